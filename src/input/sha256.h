/* input/sha256.h: SHA-256 of the bytes of an input as they are on disk (chain of custody in the
 * run summary), over OpenSSL's libcrypto EVP interface; inline (fed by the stream as it reads)
 * or in a thread of its own that reads a regular file independently of the scan.
 * SPDX-License-Identifier: MIT */
#ifndef MW_SHA256_H
#define MW_SHA256_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/diag.h"

#define MW_SHA256_HEX 65 /* 64 lowercase hex digits and a NUL */

struct mw_sha256 {
    void *ctx;   /* EVP_MD_CTX */
    bool failed; /* libcrypto failed: no digest */
};

/* Starts a digest. mw_sha256_fini releases it (also when no digest was taken). */
void mw_sha256_init(struct mw_sha256 *h);
void mw_sha256_update(struct mw_sha256 *h, const void *data, size_t len);
/* Writes the digest as lowercase hex into hex; returns false (hex "") when libcrypto failed.
 * The digest cannot be updated afterwards. */
bool mw_sha256_final(struct mw_sha256 *h, char hex[MW_SHA256_HEX]);
void mw_sha256_fini(struct mw_sha256 *h);

/* One call: the digest of len bytes. */
bool mw_sha256_hex(const void *data, size_t len, char hex[MW_SHA256_HEX]);

/* A regular file hashed by a thread of its own while the caller reads it (the scan pays no
 * hashing time on its own thread). */
struct mw_sha256_job;

/* Starts hashing path; NULL when no thread could be started (hash inline instead). */
struct mw_sha256_job *mw_sha256_job_start(const char *path);
/* Waits for the thread and frees the job. true with hex set, or false with diag set (the file
 * could not be read to its end). */
bool mw_sha256_job_finish(struct mw_sha256_job *job, char hex[MW_SHA256_HEX], struct mw_diag *diag);

#endif
