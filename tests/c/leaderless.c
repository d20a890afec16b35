/* A process whose first thread exits while a second one lives on (sleeping), as a program that
 * calls pthread_exit in main does: /proc/PID/ns/net then leads nowhere, the second thread's
 * /proc/PID/task/TID/ns/net is the namespace (tests/it/zone_down.rs). */
#include <pthread.h>
#include <unistd.h>

static void *sleeper(void *arg)
{
	(void)arg;
	for (;;)
		pause();
	return NULL;
}

int main(void)
{
	pthread_t t;

	if (pthread_create(&t, NULL, sleeper, NULL) != 0)
		return 1;
	pthread_exit(NULL);
}
