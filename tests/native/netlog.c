/* An LD_PRELOAD shim for the egress test: every name lookup and every connect/sendto of
 * any process it is loaded into (Python, onnxruntime's C++ threads, llama.cpp, parse
 * workers: LD_PRELOAD is inherited) is checked below Python. A lookup of a name that is not
 * local, or a connect/send to an address that is not loopback (DNS on port 53 included),
 * is appended to $NETLOG_FILE and refused. Compiled by tests/test_egress_native.py with
 * the system C compiler:  cc -shared -fPIC -o netlog.so netlog.c -ldl
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <dlfcn.h>
#include <errno.h>
#include <netdb.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/types.h>
#include <sys/un.h>
#include <unistd.h>

static void record(const char *what, const char *target) {
    const char *path = getenv("NETLOG_FILE");
    if (path == NULL) return;
    FILE *log = fopen(path, "a");
    if (log == NULL) return;
    fprintf(log, "pid %d %s %s\n", (int)getpid(), what, target ? target : "(null)");
    fclose(log);
}

static int local_name(const char *node) {
    if (node == NULL || node[0] == '\0') return 1;
    if (strcmp(node, "localhost") == 0 || strcmp(node, "localhost.localdomain") == 0) return 1;
    if (strncmp(node, "127.", 4) == 0 || strcmp(node, "::1") == 0) return 1;
    return 0;
}

/* 1 when the address is loopback or a Unix socket; otherwise writes it into `out`. */
static int local_address(const struct sockaddr *addr, char *out, size_t size) {
    if (addr == NULL) return 1;
    if (addr->sa_family == AF_INET) {
        const struct sockaddr_in *in4 = (const struct sockaddr_in *)addr;
        if ((ntohl(in4->sin_addr.s_addr) >> 24) == 127) return 1;
        inet_ntop(AF_INET, &in4->sin_addr, out, (socklen_t)size);
        snprintf(out + strlen(out), size - strlen(out), ":%d", ntohs(in4->sin_port));
        return 0;
    }
    if (addr->sa_family == AF_INET6) {
        const struct sockaddr_in6 *in6 = (const struct sockaddr_in6 *)addr;
        if (IN6_IS_ADDR_LOOPBACK(&in6->sin6_addr)) return 1;
        if (IN6_IS_ADDR_V4MAPPED(&in6->sin6_addr) && in6->sin6_addr.s6_addr[12] == 127) return 1;
        inet_ntop(AF_INET6, &in6->sin6_addr, out, (socklen_t)size);
        snprintf(out + strlen(out), size - strlen(out), ":%d", ntohs(in6->sin6_port));
        return 0;
    }
    return 1; /* AF_UNIX, AF_NETLINK: not the network */
}

int getaddrinfo(const char *node, const char *service, const struct addrinfo *hints,
                struct addrinfo **res) {
    static int (*real)(const char *, const char *, const struct addrinfo *, struct addrinfo **);
    if (!local_name(node)) {
        record("getaddrinfo", node);
        return EAI_FAIL;
    }
    if (real == NULL) real = dlsym(RTLD_NEXT, "getaddrinfo");
    return real(node, service, hints, res);
}

struct hostent *gethostbyname(const char *name) {
    static struct hostent *(*real)(const char *);
    if (!local_name(name)) {
        record("gethostbyname", name);
        h_errno = NO_RECOVERY;
        return NULL;
    }
    if (real == NULL) real = dlsym(RTLD_NEXT, "gethostbyname");
    return real(name);
}

int connect(int fd, const struct sockaddr *addr, socklen_t len) {
    static int (*real)(int, const struct sockaddr *, socklen_t);
    char text[INET6_ADDRSTRLEN + 8] = "";
    if (!local_address(addr, text, sizeof text)) {
        record("connect", text);
        errno = ECONNREFUSED;
        return -1;
    }
    if (real == NULL) real = dlsym(RTLD_NEXT, "connect");
    return real(fd, addr, len);
}

ssize_t sendto(int fd, const void *buf, size_t n, int flags, const struct sockaddr *addr,
               socklen_t len) {
    static ssize_t (*real)(int, const void *, size_t, int, const struct sockaddr *, socklen_t);
    char text[INET6_ADDRSTRLEN + 8] = "";
    if (addr != NULL && !local_address(addr, text, sizeof text)) {
        record("sendto", text);
        errno = ENETUNREACH;
        return -1;
    }
    if (real == NULL) real = dlsym(RTLD_NEXT, "sendto");
    return real(fd, buf, n, flags, addr, len);
}
