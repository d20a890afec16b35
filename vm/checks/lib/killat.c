/* vm/checks/lib/killat.c: `killat N CMD [ARG...]` runs CMD traced (ptrace, every thread and
 * child it makes) and SIGKILLs it at the entry of its N-th sendto(2) call, counted over all
 * its tasks in the order the kernel reports them; the call is not made. N = 0: nothing is
 * killed. Either way the last line on stderr is `killat: C sendto calls` (C: the calls seen,
 * the killed one included). Exits as CMD did (128 + the signal when a signal ended it).
 * The VM tier's stand-in for `strace -e inject=sendto:signal=KILL:when=N` (the guest image
 * has no strace): it kills a run between two netlink requests, as an OOM kill or a timeout
 * may. x86_64 only (a syscall-entry stop is told by rax == -ENOSYS). Side-effecting only
 * through CMD. */
#define _GNU_SOURCE
#include <errno.h>
#include <signal.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/ptrace.h>
#include <sys/syscall.h>
#include <sys/user.h>
#include <sys/wait.h>
#include <unistd.h>

#ifndef __x86_64__
#error "killat is for x86_64"
#endif

#define MAX_TASKS 4096

static pid_t seen[MAX_TASKS];
static int nseen;

/* Whether `pid` stopped before (its first stop is the SIGSTOP of being attached). */
static int known(pid_t pid)
{
	for (int i = 0; i < nseen; i++)
		if (seen[i] == pid)
			return 1;
	if (nseen < MAX_TASKS)
		seen[nseen++] = pid;
	return 0;
}

int main(int argc, char **argv)
{
	if (argc < 3) {
		fprintf(stderr, "usage: killat N CMD [ARG...]\n");
		return 2;
	}
	long at = strtol(argv[1], NULL, 10);
	pid_t child = fork();
	if (child < 0) {
		perror("killat: fork");
		return 2;
	}
	if (child == 0) {
		if (ptrace(PTRACE_TRACEME, 0, NULL, NULL) != 0) {
			perror("killat: PTRACE_TRACEME");
			_exit(2);
		}
		raise(SIGSTOP);
		execvp(argv[2], argv + 2);
		perror("killat: exec");
		_exit(127);
	}
	int st;
	if (waitpid(child, &st, 0) != child || !WIFSTOPPED(st)) {
		fprintf(stderr, "killat: the child did not stop\n");
		return 2;
	}
	known(child);
	long opts = PTRACE_O_TRACESYSGOOD | PTRACE_O_TRACECLONE | PTRACE_O_TRACEFORK |
		    PTRACE_O_TRACEVFORK | PTRACE_O_TRACEEXEC | PTRACE_O_EXITKILL;
	if (ptrace(PTRACE_SETOPTIONS, child, NULL, (void *)opts) != 0) {
		perror("killat: PTRACE_SETOPTIONS");
		kill(child, SIGKILL);
		return 2;
	}
	ptrace(PTRACE_SYSCALL, child, NULL, NULL);
	long calls = 0;
	int result = 0;
	for (;;) {
		pid_t pid = waitpid(-1, &st, __WALL);
		if (pid < 0) {
			if (errno == EINTR)
				continue;
			break; /* ECHILD: every task is gone */
		}
		if (WIFEXITED(st) || WIFSIGNALED(st)) {
			if (pid == child)
				result = WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
			continue;
		}
		if (!WIFSTOPPED(st))
			continue;
		int sig = WSTOPSIG(st);
		int deliver = 0;
		if (sig == (SIGTRAP | 0x80)) {
			struct user_regs_struct r;
			if (ptrace(PTRACE_GETREGS, pid, NULL, &r) == 0 && (long)r.rax == -ENOSYS &&
			    r.orig_rax == SYS_sendto) {
				calls++;
				if (calls == at) {
					/* The call is skipped, and the whole process killed. */
					ptrace(PTRACE_POKEUSER, pid,
					       (void *)offsetof(struct user, regs.orig_rax), (void *)-1L);
					kill(child, SIGKILL);
				}
			}
		} else if (st >> 16) {
			/* A clone, fork or exec event: nothing to deliver. */
		} else if (sig == SIGSTOP && !known(pid)) {
			/* A new task's attach stop. */
		} else {
			deliver = sig;
		}
		ptrace(PTRACE_SYSCALL, pid, NULL, (void *)(long)deliver);
	}
	fprintf(stderr, "killat: %ld sendto calls\n", calls);
	return result;
}
