/* crc16.h - CRC16/XMODEM and the Redis cluster hash slot of a key.
 *
 * slot = CRC16(key) mod 16384, where only the part between the first '{'
 * and the next '}' is hashed when that part is non-empty (a hash tag),
 * exactly as the Redis cluster specification says. */
#ifndef ELCUI_CORE_CRC16_H
#define ELCUI_CORE_CRC16_H

#include <stddef.h>
#include <stdint.h>

#define CRC16_SLOTS 16384

uint16_t crc16_xmodem(const void *data, size_t len);
/* The hashed part of key: [*off, *off + *n). */
void crc16_hashtag(const char *key, size_t len, size_t *off, size_t *n);
/* 0..16383 */
int crc16_keyslot(const char *key, size_t len);

#endif
