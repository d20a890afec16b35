/* Prints its argv, argv[0] included, each argument followed by a NUL byte: a stand-in for the
 * real ip that shows exactly what it was given. */
#include <stdio.h>
#include <string.h>

int main(int argc, char **argv)
{
	for (int i = 0; i < argc; i++)
		fwrite(argv[i], 1, strlen(argv[i]) + 1, stdout);
	return 3;
}
