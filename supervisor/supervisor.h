/*
 * supervisor.h - `housingsup start`: the supervisor process.
 */
#ifndef HS_SUPERVISOR_H
#define HS_SUPERVISOR_H

#include <stdbool.h>

/* Runs the supervisor until it is stopped; returns the process exit code. */
int hs_supervisor_start(const char *config_path, bool foreground);

#endif
