/* SQLite's memory, apart from the program's heap (see sqlmem.h): blocks of
 * 44 size classes (16 bytes to 64 KiB, four per power of two) cut from
 * 256 KiB chunks whose pages are made at once; larger blocks are mappings
 * of their own.  Freed blocks wait on their class's list for reuse, so the
 * memory stays what SQLite's peak needed (its page cache is bounded). */
#include "tracer/storage/sqlmem.h"

#include <sqlite3.h>
#include <stdatomic.h>
#include <stdint.h>
#include <string.h>

#include "tracer/common.h"

#define HEADER 8 /* keeps SQLite's 8-byte alignment */
#define SMALL_MAX 65536
#define CLASSES 44
#define CHUNK (256 << 10)
#define LARGE 0xff

typedef struct block {
    struct block *next;
} block_t;

static struct {
    atomic_flag lock;
    block_t *free[CLASSES];
    char *cur, *end; /* the chunk being cut */
} M = {.lock = ATOMIC_FLAG_INIT};

/* n in 1..SMALL_MAX: 16-byte steps to 128, then 4 steps per power of two */
static unsigned class_of(size_t n)
{
    if (n <= 128)
        return (unsigned)((n + 15) / 16) - 1;
    unsigned k = 63u - (unsigned)__builtin_clzll((unsigned long long)(n - 1));
    return 8 + (k - 7) * 4 + ((unsigned)((n - 1) >> (k - 2)) & 3);
}

static size_t class_size(unsigned c)
{
    if (c < 8)
        return (c + 1) * 16;
    unsigned k = 7 + (c - 8) / 4;
    return (size_t)(5 + (c - 8) % 4) << (k - 2);
}

static void lock(void)
{
    while (atomic_flag_test_and_set_explicit(&M.lock, memory_order_acquire))
        ;
}

static void unlock(void) { atomic_flag_clear_explicit(&M.lock, memory_order_release); }

static void *cut(size_t size)
{
    if ((size_t)(M.end - M.cur) < size) {
        char *c = mt_map_hot(CHUNK);
        if (!c)
            return NULL;
        M.cur = c;
        M.end = c + CHUNK;
    }
    void *p = M.cur;
    M.cur += size;
    return p;
}

static void *mem_malloc(int n)
{
    if (n <= 0)
        return NULL;
    size_t need = (size_t)n + HEADER;
    uint64_t *h;
    if (need > SMALL_MAX) {
        size_t len = (need + 4095) & ~(size_t)4095;
        if (!(h = mt_map(len, 0)))
            return NULL;
        *h = (uint64_t)len << 8 | LARGE;
        return h + 1;
    }
    unsigned c = class_of(need);
    lock();
    block_t *b = M.free[c];
    if (b)
        M.free[c] = b->next;
    h = b ? (uint64_t *)b : cut(class_size(c));
    unlock();
    if (!h)
        return NULL;
    *h = c;
    return h + 1;
}

static void mem_free(void *p)
{
    if (!p)
        return;
    uint64_t *h = (uint64_t *)p - 1;
    if ((*h & 0xff) == LARGE) {
        mt_unmap(h, (size_t)(*h >> 8));
        return;
    }
    unsigned c = (unsigned)(*h & 0xff);
    block_t *b = (block_t *)h;
    lock();
    b->next = M.free[c];
    M.free[c] = b;
    unlock();
}

static int mem_size(void *p)
{
    if (!p)
        return 0;
    uint64_t h = ((uint64_t *)p)[-1];
    return (int)((h & 0xff) == LARGE ? (h >> 8) - HEADER : class_size((unsigned)(h & 0xff)) - HEADER);
}

static int mem_roundup(int n)
{
    if (n <= 0)
        return n;
    size_t need = (size_t)n + HEADER;
    if (need > SMALL_MAX)
        return (int)(((need + 4095) & ~(size_t)4095) - HEADER);
    return (int)(class_size(class_of(need)) - HEADER);
}

static void *mem_realloc(void *p, int n)
{
    int have = mem_size(p);
    if (p && n <= have && n > have / 2)
        return p;
    void *q = mem_malloc(n);
    if (q && p)
        memcpy(q, p, (size_t)(have < n ? have : n));
    if (q)
        mem_free(p);
    return q;
}

static int mem_init(void *arg)
{
    (void)arg;
    return SQLITE_OK;
}

static void mem_shutdown(void *arg) { (void)arg; }

void mt_sqlmem_install(void)
{
    static const sqlite3_mem_methods methods = {mem_malloc, mem_free,   mem_realloc, mem_size,
                                                mem_roundup, mem_init, mem_shutdown, NULL};
    sqlite3_config(SQLITE_CONFIG_MALLOC, &methods);
}

void mt_sqlmem_after_fork_child(void)
{
    /* The parent's blocks stay where they are, shared with us until
     * written: reusing them would copy their pages.  Another thread may
     * have held the lock when we forked. */
    memset(&M, 0, sizeof M);
    atomic_flag_clear(&M.lock);
}
