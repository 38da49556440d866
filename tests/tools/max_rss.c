/* max_rss.c — run a command and report its peak resident memory: `max_rss OUT CMD
 * ARGS...` runs CMD (stdin, stdout and stderr inherited), writes "KB" (the child's
 * ru_maxrss from wait4, in kilobytes) to the file OUT and exits with the child's exit
 * code (128 + the signal if it was killed). For tests that bound a command's memory
 * (test_audit_cli: `hcbus audit list` over 200k events) without the `time` package. */
#include <stdio.h>
#include <stdlib.h>
#include <sys/resource.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <unistd.h>

#define EXIT_SPAWN 127

int main(int argc, char **argv)
{
    if (argc < 3) {
        fprintf(stderr, "usage: max_rss OUT_FILE COMMAND [ARGS...]\n");
        return 2;
    }
    pid_t pid = fork();
    if (pid < 0) {
        perror("max_rss: fork");
        return EXIT_SPAWN;
    }
    if (pid == 0) {
        execvp(argv[2], argv + 2);
        perror("max_rss: exec");
        _exit(EXIT_SPAWN);
    }
    int status;
    struct rusage usage;
    if (wait4(pid, &status, 0, &usage) < 0) {
        perror("max_rss: wait4");
        return EXIT_SPAWN;
    }
    FILE *out = fopen(argv[1], "w");
    if (!out || fprintf(out, "%ld\n", usage.ru_maxrss) < 0 || fclose(out) != 0) {
        perror("max_rss: writing the result");
        return EXIT_SPAWN;
    }
    return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}
