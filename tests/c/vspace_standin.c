/* vspace_standin.c: a stand-in for util-vserver's vspace, for tests on kernels without
 * Linux-VServer. It parses its argv exactly as vspace does (glibc getopt_long with vspace's
 * optstring and long-option table, the same checks after the loop), records every call, and
 * then execs the program after the options instead of entering VServer spaces.
 *
 * Built two ways by the test harness:
 *   default    record + exec: appends "<netns>\0<argc>\0<argv[0]>\0...<argv[argc-1]>\0" to the
 *              file named by $VSPACE_STANDIN_LOG (flock'd, one write), <netns> being
 *              readlink(/proc/self/ns/net); then behaves like vspace.
 *   -DORACLE   prints what the option loop produced, one line, and exits 0: the oracle the
 *              Rust parser is compared with.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <unistd.h>

#define CMD_HELP 0x1000
#define CMD_VERSION 0x1001
#define CMD_DEFAULT 0x1002
#define CMD_NODEFAULT 0x1003
#define CMD_NOT 0x2000

#define S_MOUNT 0x00020000ULL
#define S_FS 0x00000200ULL
#define S_IPC 0x08000000ULL
#define S_UTS 0x04000000ULL
#define S_USER 0x10000000ULL
#define S_PID 0x20000000ULL
#define S_NET 0x40000000ULL
#define S_DEFAULT (S_UTS | S_IPC)

static struct option const OPTIONS[] = {
	{"help", no_argument, 0, CMD_HELP},
	{"version", no_argument, 0, CMD_VERSION},
	{"new", no_argument, 0, 'n'},
	{"enter", required_argument, 0, 'e'},
	{"set", no_argument, 0, 's'},
	{"index", required_argument, 0, 'i'},
	{"mask", required_argument, 0, 'm'},
	{"default", no_argument, 0, CMD_DEFAULT},
	{"~default", no_argument, 0, CMD_NODEFAULT},
	{"mount", no_argument, 0, 'M'},
	{"fs", no_argument, 0, 'F'},
	{"ipc", no_argument, 0, 'I'},
	{"uts", no_argument, 0, 'U'},
	{"user", no_argument, 0, 'S'},
	{"pid", no_argument, 0, 'P'},
	{"net", no_argument, 0, 'N'},
	{"~mount", no_argument, 0, CMD_NOT | 'M'},
	{"~fs", no_argument, 0, CMD_NOT | 'F'},
	{"~ipc", no_argument, 0, CMD_NOT | 'I'},
	{"~uts", no_argument, 0, CMD_NOT | 'U'},
	{"~user", no_argument, 0, CMD_NOT | 'S'},
	{"~pid", no_argument, 0, CMD_NOT | 'P'},
	{"~net", no_argument, 0, CMD_NOT | 'N'},
	{0, 0, 0, 0},
};

static unsigned long long space_bit(int c)
{
	switch (c) {
	case 'M': return S_MOUNT;
	case 'F': return S_FS;
	case 'I': return S_IPC;
	case 'U': return S_UTS;
	case 'S': return S_USER;
	case 'P': return S_PID;
	case 'N': return S_NET;
	}
	return 0;
}

/* util-vserver's isNumberUnsigned(str, &res, true). */
static bool number(char const *s, unsigned long long *out)
{
	char *end;
	errno = 0;
	unsigned long long v = strtoull(s, &end, 0);
	if (*s == '\0' || errno != 0 || *end != '\0')
		return false;
	*out = v;
	return true;
}

#ifndef ORACLE
static void record(int argc, char **argv)
{
	char const *log = getenv("VSPACE_STANDIN_LOG");
	if (!log)
		return;
	char ns[128] = "?";
	ssize_t n = readlink("/proc/self/ns/net", ns, sizeof ns - 1);
	if (n >= 0)
		ns[n] = '\0';
	size_t len = strlen(ns) + 1 + 16;
	for (int i = 0; i < argc; i++)
		len += strlen(argv[i]) + 1;
	char *buf = malloc(len), *p = buf;
	p += sprintf(p, "%s", ns) + 1;
	p += sprintf(p, "%d", argc) + 1;
	for (int i = 0; i < argc; i++) {
		size_t l = strlen(argv[i]) + 1;
		memcpy(p, argv[i], l);
		p += l;
	}
	int fd = open(log, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0644);
	if (fd < 0 || flock(fd, LOCK_EX) < 0 || write(fd, buf, p - buf) != p - buf) {
		perror("vspace-standin: log");
		exit(254);
	}
	close(fd);
	free(buf);
}
#endif

#ifdef ORACLE
static void hex(char const *s)
{
	if (!s) {
		printf("-");
		return;
	}
	printf("x");
	for (; *s; s++)
		printf("%02x", (unsigned char)*s);
}
#endif

int main(int argc, char **argv)
{
	bool do_new = false, do_enter = false, do_set = false;
	unsigned long long mask = 0, index = 0;
	bool have_index = false;
	int nenter = 0;
	char const *xid = NULL;

#ifdef ORACLE
	opterr = 0;
#else
	record(argc, argv);
#endif
	for (;;) {
		int c = getopt_long(argc, argv, "+nsce:m:i:MFIUSPN", OPTIONS, 0);
		if (c == -1)
			break;
		switch (c) {
		case CMD_HELP:
#ifdef ORACLE
			puts("help");
			return 0;
#else
			printf("Usage: %s <operation> <spaces>* [--] [<program> <args>*]\n", argv[0]);
			return 0;
#endif
		case CMD_VERSION:
#ifdef ORACLE
			puts("version");
#else
			puts("vspace stand-in -- records its calls");
#endif
			return 0;
		case 'n': do_new = true; break;
		case 's': do_set = true; break;
		case 'e': do_enter = true; nenter++; xid = optarg; break;
		case 'm':
			if (!number(optarg, &mask)) {
#ifdef ORACLE
				puts("error");
				return 0;
#else
				fprintf(stderr, "Invalid mask '%s'; try '--help' for more information\n", optarg);
				return 255;
#endif
			}
			break;
		case 'i':
			if (!number(optarg, &index)) {
#ifdef ORACLE
				puts("error");
				return 0;
#else
				fprintf(stderr, "Invalid index '%s'; try '--help' for more information\n", optarg);
				return 255;
#endif
			}
			have_index = true;
			break;
		case CMD_DEFAULT: mask |= S_DEFAULT; break;
		case CMD_NODEFAULT: mask &= ~S_DEFAULT; break;
		case 'M': case 'F': case 'I': case 'U': case 'S': case 'P': case 'N':
			mask |= space_bit(c);
			break;
		default:
			if (c & CMD_NOT) {
				mask &= ~space_bit(c & ~CMD_NOT);
				break;
			}
#ifdef ORACLE
			puts("error");
			return 0;
#else
			fprintf(stderr, "Try '%s --help' for more information.\n", argv[0]);
			return 255;
#endif
		}
	}
	int sum = do_new + do_enter + do_set;
#ifdef ORACLE
	printf("ok op=%s nenter=%d xid=", sum == 0 ? "none" : sum > 1 ? "several" : do_new ? "new" : do_enter ? "enter" : "set", nenter);
	hex(xid);
	printf(" mask=0x%llx index=", mask);
	if (have_index)
		printf("%llu", index);
	else
		printf("-");
	printf(" optind=%d\n", optind);
	return 0;
#else
	(void)have_index;
	(void)xid;
	(void)nenter;
	(void)index;
	if (sum == 0)
		fputs("No operation was specified; try '--help' for more information\n", stderr);
	else if (sum > 1)
		fputs("Can not specify multiple operations; try '--help' for more information\n", stderr);
	else if (optind == argc && (do_new || do_enter))
		fputs("No command specified; try '--help' for more information\n", stderr);
	else {
		if (optind < argc) {
			execvp(argv[optind], argv + optind);
			fprintf(stderr, "vspace: execvp(\"%s\"): %s\n", argv[optind], strerror(errno));
			return 255;
		}
		return 0;
	}
	return 255;
#endif
}
