/*
 * connrate: short TCP connections per second (netperf TCP_CRR style), for the
 * packet-cost benchmark. Each connection: connect, send 1 byte, read the
 * 1-byte answer, close with an RST (SO_LINGER 0) so neither side keeps
 * TIME_WAIT state and ephemeral ports never run out.
 *   connrate -s PORT                server, one connection at a time
 *   connrate -c IP PORT SECONDS     client; prints "<connections/s> <errors>"
 */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

static double now(void) {
  struct timespec t;
  clock_gettime(CLOCK_MONOTONIC, &t);
  return t.tv_sec + t.tv_nsec / 1e9;
}

static int server(int port) {
  int l = socket(AF_INET, SOCK_STREAM, 0), one = 1;
  struct sockaddr_in a;
  memset(&a, 0, sizeof a);
  a.sin_family = AF_INET;
  a.sin_port = htons(port);
  a.sin_addr.s_addr = htonl(INADDR_ANY);
  setsockopt(l, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
  if (bind(l, (struct sockaddr *)&a, sizeof a) || listen(l, 1024)) { perror("listen"); return 1; }
  for (;;) {
    int c = accept(l, NULL, NULL);
    char b;
    if (c < 0) continue;
    if (read(c, &b, 1) == 1 && write(c, &b, 1) != 1) { /* client gone */ }
    close(c);
  }
}

static int client(const char *ip, int port, double seconds) {
  struct sockaddr_in a;
  struct linger lg = {1, 0};
  long n = 0, errors = 0;
  memset(&a, 0, sizeof a);
  a.sin_family = AF_INET;
  a.sin_port = htons(port);
  if (inet_pton(AF_INET, ip, &a.sin_addr) != 1) { fprintf(stderr, "bad ip\n"); return 2; }
  double t0 = now(), t = t0;
  while (t - t0 < seconds) {
    int s = socket(AF_INET, SOCK_STREAM, 0);
    char b = 'x';
    if (connect(s, (struct sockaddr *)&a, sizeof a) == 0 && write(s, &b, 1) == 1 && read(s, &b, 1) == 1) n++;
    else errors++;
    setsockopt(s, SOL_SOCKET, SO_LINGER, &lg, sizeof lg);
    close(s);
    t = now();
  }
  printf("%.1f %ld\n", n / (t - t0), errors);
  return 0;
}

int main(int argc, char **argv) {
  if (argc == 3 && !strcmp(argv[1], "-s")) return server(atoi(argv[2]));
  if (argc == 5 && !strcmp(argv[1], "-c")) return client(argv[2], atoi(argv[3]), atof(argv[4]));
  fprintf(stderr, "usage: connrate -s PORT | connrate -c IP PORT SECONDS\n");
  return 2;
}
