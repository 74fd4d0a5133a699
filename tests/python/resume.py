# A generator and a coroutine, each resumed later from another function.
N = 1 << 20


def gen():
    yield 1
    yield bytes(bytearray(N))  # line 7


async def coro():
    await sleeper()
    return bytes(bytearray(N + 4096))  # line 12


class sleeper:
    def __await__(self):
        yield


def resume_gen(g):
    return next(g)  # line 21


def resume_coro(c):
    try:
        c.send(None)  # line 26
    except StopIteration:
        pass


g = gen()
next(g)
c = coro()
c.send(None)
resume_gen(g)  # line 35
resume_coro(c)  # line 36
