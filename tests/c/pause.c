/* A process that waits for a signal, for ever: built static, it runs chrooted in a guest's
 * root that holds nothing else (tests/it/zone_monitor.rs). */
#include <unistd.h>

int main(void)
{
	for (;;)
		pause();
}
