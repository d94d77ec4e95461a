/*
 * exitcodes.h - what housingsup's exit codes mean, for the command line and
 * for children reporting to the supervisor (nginx's convention for 2).
 *
 * In common/, the bottom layer: a child role (workers/) and the supervisor
 * share the contract without including each other.
 */
#ifndef HS_EXITCODES_H
#define HS_EXITCODES_H

enum hs_exit {
    HS_EXIT_OK = 0,          /* success; a child: finished its work, do not restart */
    HS_EXIT_FAILURE = 1,     /* runtime failure; a child: restart me (with backoff) */
    HS_EXIT_FATAL = 2,       /* bad configuration or input; a child: do not respawn */
    HS_EXIT_NOT_RUNNING = 3, /* status/stop: no supervisor is running */
    HS_EXIT_USAGE = 64,      /* bad command line (sysexits EX_USAGE) */
};

#endif
