/* trace.c PROG ARGS...: which of PROG's own code runs before it hands over, on this CPU.
 *
 * Starts PROG under ptrace(2), single-steps it until it calls execve(2) successfully (the
 * intercept's and pass-through's end: the program it starts), and prints the offset from
 * PROG's load address of every instruction it ran inside PROG's own file mapping, one
 * hexadecimal number a line, lowest first. On stderr: the number of instructions stepped.
 * Exits 1, printing nothing, when PROG exits without executing a program (a failure path)
 * or runs MAX_STEPS instructions without (a hang). Signals PROG gets are delivered to it.
 * link/update.sh turns the offsets into link/intercept.ld. Needs the rights PROG needs
 * (root for setns). Slow on purpose: some 100,000 steps, about ten seconds.
 */
#define _GNU_SOURCE
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ptrace.h>
#include <sys/user.h>
#include <sys/wait.h>
#include <unistd.h>

#define MAX_IMAGE (64ul << 20) /* the largest program image traced: 64 MiB */
#define MAX_STEPS 2000000ul /* 20 times a guest start's path: a program that never hands over */

static unsigned char ran[MAX_IMAGE / 8]; /* one bit a byte of the image */

static void die(const char *what)
{
	perror(what);
	exit(1);
}

/* The lowest and highest addresses of the mappings of PID's own executable. */
static void image(pid_t pid, unsigned long *lo, unsigned long *hi)
{
	char path[64], exe[4096], line[4352];
	snprintf(path, sizeof path, "/proc/%d/exe", pid);
	ssize_t n = readlink(path, exe, sizeof exe - 1);
	if (n < 0)
		die(path);
	exe[n] = 0;
	snprintf(path, sizeof path, "/proc/%d/maps", pid);
	FILE *maps = fopen(path, "r");
	if (!maps)
		die(path);
	*lo = *hi = 0;
	while (fgets(line, sizeof line, maps)) {
		unsigned long a, b;
		char *file = strchr(line, '/');
		if (!file || sscanf(line, "%lx-%lx", &a, &b) != 2)
			continue;
		file[strcspn(file, "\n")] = 0;
		if (strcmp(file, exe) != 0)
			continue;
		if (!*lo || a < *lo)
			*lo = a;
		if (b > *hi)
			*hi = b;
	}
	fclose(maps);
	if (!*lo || *hi - *lo > MAX_IMAGE) {
		fprintf(stderr, "trace: no mapping of %s under %lu bytes\n", exe, MAX_IMAGE);
		exit(1);
	}
}

int main(int argc, char **argv)
{
	if (argc < 2) {
		fprintf(stderr, "usage: trace PROG ARGS...\n");
		return 2;
	}
	pid_t pid = fork();
	if (pid < 0)
		die("fork");
	if (pid == 0) {
		if (ptrace(PTRACE_TRACEME, 0, 0, 0) < 0) {
			perror("PTRACE_TRACEME");
			_exit(127);
		}
		execv(argv[1], argv + 1);
		perror(argv[1]);
		_exit(127);
	}
	int status;
	if (waitpid(pid, &status, 0) < 0 || !WIFSTOPPED(status)) {
		fprintf(stderr, "trace: %s did not start\n", argv[1]);
		return 1;
	}
	if (ptrace(PTRACE_SETOPTIONS, pid, 0, PTRACE_O_TRACEEXEC | PTRACE_O_EXITKILL) < 0)
		die("PTRACE_SETOPTIONS");
	unsigned long lo, hi, steps = 0;
	int execed = 0, sig = 0;
	image(pid, &lo, &hi);
	for (;;) {
		if (steps == MAX_STEPS) {
			fprintf(stderr, "trace: %s ran %lu instructions without executing a program\n",
				argv[1], steps);
			return 1; /* PTRACE_O_EXITKILL ends it */
		}
		struct user_regs_struct regs;
		if (ptrace(PTRACE_GETREGS, pid, 0, &regs) < 0)
			die("PTRACE_GETREGS");
		if (regs.rip >= lo && regs.rip < hi) {
			unsigned long at = regs.rip - lo;
			ran[at / 8] |= 1u << (at % 8);
		}
		steps++;
		/* A signal the program got is delivered, as untraced: its handler is part of the run. */
		if (ptrace(PTRACE_SINGLESTEP, pid, 0, (void *)(long)sig) < 0)
			die("PTRACE_SINGLESTEP");
		sig = 0;
		if (waitpid(pid, &status, 0) < 0)
			die("waitpid");
		if (!WIFSTOPPED(status))
			break; /* exited (or killed): reaped, nothing left to stop */
		if (status >> 8 == (SIGTRAP | PTRACE_EVENT_EXEC << 8)) {
			execed = 1;
			break;
		}
		if (WSTOPSIG(status) != SIGTRAP)
			sig = WSTOPSIG(status);
	}
	if (!execed) {
		/* A path that ends before it hands over is not the path to lay out. */
		fprintf(stderr, "trace: %s ended after %lu instructions without executing a program\n",
			argv[1], steps);
		return 1;
	}
	fprintf(stderr, "trace: %lu instructions stepped\n", steps);
	for (unsigned long at = 0; at < hi - lo; at++)
		if (ran[at / 8] & 1u << (at % 8))
			printf("%lx\n", at);
	/* Stopped at its exec, still ours: PTRACE_O_EXITKILL ends it when we exit; killed here
	 * too, then reaped. */
	kill(pid, SIGKILL);
	waitpid(pid, &status, 0);
	return 0;
}
