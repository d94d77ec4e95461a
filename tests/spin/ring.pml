/*
 * ring.pml - a model of shm/ring.c's protocol, checked by spin.
 *
 * One producer sends ITEMS items through a ring of CAP slots to one consumer.
 * Each slot is written as two separate stores (a, b) so a torn read would be
 * seen; the consumer asserts it reads both halves of the item it expects.
 * Sleeping follows ring.c: read the futex word, set the waiting flag,
 * RE-CHECK the ring, and only then futex_wait(word, seen). Waits here have no
 * timeout, so a lost wake-up leaves a process asleep forever, which spin
 * reports as an invalid end state. Promela executes statements in a
 * sequentially consistent order; ring.c gets that order for the Dekker
 * handshake from its two seq_cst fences, and for the slots from the
 * release/acquire pairs on tail and head.
 *
 * Build with -DNO_RECHECK to drop the re-check: spin then finds the lost
 * wake-up, which shows the check is not vacuous.
 */
#define ITEMS 5
#define CAP 2

int head = 0, tail = 0;
byte slot_a[CAP], slot_b[CAP];
bit consumer_waiting = 0, producer_waiting = 0;
byte tail_futex = 0, head_futex = 0;
bit consumer_asleep = 0, producer_asleep = 0;
int received = 0;

/* futex_wait(word, seen): sleep only if the word still holds `seen`. */
inline futex_wait(word, seen, asleep) {
    atomic { if :: word == seen -> asleep = 1 :: else -> skip fi };
    (asleep == 0)
}

/* the waker's side: after publishing, wake the peer if it said it waits */
inline wake_if_waiting(waiting, word, asleep) {
    if
    :: waiting -> word++; asleep = 0
    :: else -> skip
    fi
}

inline sleep_until(ready, waiting, word, asleep) {
    byte seen;
    do
    :: ready -> break
    :: else ->
        seen = word;
        waiting = 1;
#ifdef NO_RECHECK
        futex_wait(word, seen, asleep);
#else
        if
        :: ready -> skip
        :: else -> futex_wait(word, seen, asleep)
        fi;
#endif
        waiting = 0
    od
}

active proctype producer() {
    int i = 0;
    do
    :: i < ITEMS ->
        sleep_until(tail - head < CAP, producer_waiting, head_futex, producer_asleep);
        slot_a[tail % CAP] = i;      /* the slot is written field by field ... */
        slot_b[tail % CAP] = i;
        tail = tail + 1;             /* ... and only then published */
        wake_if_waiting(consumer_waiting, tail_futex, consumer_asleep);
        i++
    :: else -> break
    od
}

active proctype consumer() {
    do
    :: received < ITEMS ->
        sleep_until(tail != head, consumer_waiting, tail_futex, consumer_asleep);
        assert(slot_a[head % CAP] == received && slot_b[head % CAP] == received);
        head = head + 1;             /* released only after the read */
        received++;
        wake_if_waiting(producer_waiting, head_futex, producer_asleep)
    :: else -> break
    od
}
