/* unit_skip.h - a unit test that does not run says why (header only).
 *
 * UNIT_SKIP(why) prints "SKIP <file>:<test>: <why>" on stderr and skips the
 * test (cmocka's skip()). tests/run-check collects these lines into the
 * list of skipped tests make check prints at the end, where a reason must
 * start with "this machine: " (what this machine lacks) or "under valgrind: "
 * (the test waits out timeouts by design; its ASan+UBSan run in the unit
 * stage covers it); any other reason fails make check.
 * Include after <cmocka.h>.
 */
#ifndef ELCUI_TESTS_UNIT_SKIP_H
#define ELCUI_TESTS_UNIT_SKIP_H

#include <stdio.h>

#define UNIT_SKIP(why)                                                                             \
    do {                                                                                           \
        fprintf(stderr, "SKIP %s:%s: %s\n", __FILE__, __func__, (why));                            \
        skip();                                                                                    \
    } while (0)

#endif
