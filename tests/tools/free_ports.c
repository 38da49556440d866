/* free_ports.c — prints N TCP ports on 127.0.0.1 that are free right now, one per
 * line, for integration tests that run the bus over TCP:
 *   free_ports N
 * All N are bound at once (so they differ), then released. Another process could take
 * one before the test binds it; the kernel hands out ephemeral ports in rotation, so in
 * practice it does not, and a test that loses the race fails loudly at bind. */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/socket.h>
#include <unistd.h>

#define FREE_PORTS_MAX 64

int main(int argc, char **argv)
{
    long n = argc == 2 ? strtol(argv[1], NULL, 10) : 0;
    if (n < 1 || n > FREE_PORTS_MAX) {
        fprintf(stderr, "usage: free_ports N   (1..%d)\n", FREE_PORTS_MAX);
        return 2;
    }
    int fds[FREE_PORTS_MAX];
    unsigned ports[FREE_PORTS_MAX];
    for (long i = 0; i < n; i++) {
        struct sockaddr_in addr = {.sin_family = AF_INET, .sin_port = 0};
        addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
        socklen_t len = sizeof addr;
        fds[i] = socket(AF_INET, SOCK_STREAM, 0);
        if (fds[i] < 0 || bind(fds[i], (struct sockaddr *)&addr, sizeof addr) != 0 ||
            getsockname(fds[i], (struct sockaddr *)&addr, &len) != 0) {
            perror("free_ports");
            return 1;
        }
        ports[i] = ntohs(addr.sin_port);
    }
    for (long i = 0; i < n; i++) {
        printf("%u\n", ports[i]);
        close(fds[i]);
    }
    return 0;
}
