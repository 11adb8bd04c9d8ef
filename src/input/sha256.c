/* input/sha256.c: SHA-256 digests of inputs (libcrypto EVP), inline or in a thread that reads a
 * regular file on its own (run/pipeline.c chooses; docs/schema.md, Inputs).
 * SPDX-License-Identifier: MIT */
#include "input/sha256.h"

#include <errno.h>
#include <fcntl.h>
#include <openssl/evp.h>
#include <pthread.h>
#include <string.h>
#include <unistd.h>

#include "core/alloc.h"

void mw_sha256_init(struct mw_sha256 *h)
{
    EVP_MD_CTX *ctx = EVP_MD_CTX_new();
    h->ctx = ctx;
    h->failed = !ctx || EVP_DigestInit_ex(ctx, EVP_sha256(), NULL) != 1;
}

void mw_sha256_update(struct mw_sha256 *h, const void *data, size_t len)
{
    if (!h->failed && len > 0 && EVP_DigestUpdate(h->ctx, data, len) != 1) {
        h->failed = true;
    }
}

bool mw_sha256_final(struct mw_sha256 *h, char hex[MW_SHA256_HEX])
{
    unsigned char md[EVP_MAX_MD_SIZE];
    unsigned int n = 0;
    hex[0] = '\0';
    if (h->failed || EVP_DigestFinal_ex(h->ctx, md, &n) != 1 || n != 32) {
        h->failed = true;
        return false;
    }
    h->failed = true; /* finalised: no more updates */
    static const char digits[] = "0123456789abcdef";
    for (unsigned i = 0; i < n; i++) {
        hex[2 * i] = digits[md[i] >> 4];
        hex[2 * i + 1] = digits[md[i] & 15];
    }
    hex[2 * n] = '\0';
    return true;
}

void mw_sha256_fini(struct mw_sha256 *h)
{
    EVP_MD_CTX_free(h->ctx);
    h->ctx = NULL;
}

bool mw_sha256_hex(const void *data, size_t len, char hex[MW_SHA256_HEX])
{
    struct mw_sha256 h;
    mw_sha256_init(&h);
    mw_sha256_update(&h, data, len);
    bool ok = mw_sha256_final(&h, hex);
    mw_sha256_fini(&h);
    return ok;
}

/* ---- a thread per large file ------------------------------------------------------------- */

struct mw_sha256_job {
    pthread_t thread;
    char *path;
    char hex[MW_SHA256_HEX];
    bool ok;
    int err; /* errno of a failed open or read */
};

static void *hash_thread(void *arg)
{
    struct mw_sha256_job *job = arg;
    int fd = open(job->path, O_RDONLY | O_CLOEXEC);
    if (fd < 0) {
        job->err = errno;
        return NULL;
    }
    /* on the thread's stack: core/alloc.c keeps its counters without locks */
    unsigned char buf[128 * 1024];
    struct mw_sha256 h;
    mw_sha256_init(&h);
    for (;;) {
        ssize_t n = read(fd, buf, sizeof buf);
        if (n < 0 && errno == EINTR) {
            continue;
        }
        if (n < 0) {
            job->err = errno;
            break;
        }
        if (n == 0) {
            job->ok = mw_sha256_final(&h, job->hex);
            break;
        }
        mw_sha256_update(&h, buf, (size_t)n);
    }
    mw_sha256_fini(&h);
    close(fd);
    return NULL;
}

struct mw_sha256_job *mw_sha256_job_start(const char *path)
{
    struct mw_sha256_job *job = mw_calloc(1, sizeof *job);
    job->path = mw_strdup(path);
    if (pthread_create(&job->thread, NULL, hash_thread, job) != 0) {
        mw_free(job->path);
        mw_free(job);
        return NULL;
    }
    return job;
}

bool mw_sha256_job_finish(struct mw_sha256_job *job, char hex[MW_SHA256_HEX], struct mw_diag *diag)
{
    hex[0] = '\0';
    if (!job) {
        return false;
    }
    (void)pthread_join(job->thread, NULL);
    bool ok = job->ok;
    if (ok) {
        memcpy(hex, job->hex, MW_SHA256_HEX);
    } else if (diag) {
        mw_diag_set(diag, MW_E_IO, "cannot hash: %s",
                    job->err ? strerror(job->err) : "libcrypto failed");
    }
    mw_free(job->path);
    mw_free(job);
    return ok;
}
