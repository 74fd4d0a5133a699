/* Chooses the store from the URL scheme. */
#include "workloads/store.h"

#include "workloads/common.h"

#include <string.h>

wl_store_t *wl_store_open(const char *url, int create)
{
    if (strncmp(url, "file://", 7) == 0)
        return wl_store_file_open(url, url + 7, create);
    if (strncmp(url, "s3://", 5) == 0)
        return wl_store_s3_open(url, url + 5);
    wl_error("bad store URL '%s': expected file://DIR or s3://BUCKET/PREFIX", url);
    return NULL;
}
