/* The guard's per-thread flag (see guard.h): initial-exec TLS, so reading it
 * on the hot path never calls __tls_get_addr, which may allocate. */
#include "tracer/capture/guard.h"

MT_TLS int mt_busy;
