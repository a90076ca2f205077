/*
 * execwire's sandbox launcher, native build: the same job and arguments as launcher.py
 * (Landlock, LC_CTYPE, arg0, execvp), without an interpreter's start-up on the path of
 * every sandboxed command. SandboxRuntime compiles it with the system C compiler on first
 * use (cached by the hash of this file) and falls back to launcher.py where there is none.
 *
 * usage: launch ARG0 LC_CTYPE net|nonet [-r PATH | -w PATH]... -- COMMAND...
 *   ARG0 and LC_CTYPE are "=VALUE" or "-" (keep the program name / no LC_CTYPE).
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#define SYS_CREATE_RULESET 444
#define SYS_ADD_RULE 445
#define SYS_RESTRICT_SELF 446
#define CREATE_RULESET_VERSION 1u
#define RULE_PATH_BENEATH 1

#define ACCESS_EXECUTE (1ull << 0)
#define ACCESS_WRITE_FILE (1ull << 1)
#define ACCESS_READ_FILE (1ull << 2)
#define ACCESS_READ_DIR (1ull << 3)
#define ACCESS_REFER (1ull << 13)
#define ACCESS_TRUNCATE (1ull << 14)
#define ACCESS_IOCTL_DEV (1ull << 15)
#define ACCESS_READ (ACCESS_EXECUTE | ACCESS_READ_FILE | ACCESS_READ_DIR)
#define FILE_RIGHTS (ACCESS_EXECUTE | ACCESS_WRITE_FILE | ACCESS_READ_FILE | ACCESS_TRUNCATE | ACCESS_IOCTL_DEV)
#define NET_BIND_TCP (1ull << 0)
#define NET_CONNECT_TCP (1ull << 1)
#define SCOPE_ABSTRACT_UNIX_SOCKET (1ull << 0)
#define SCOPE_SIGNAL (1ull << 1)

struct ruleset_attr {
    uint64_t handled_access_fs;
    uint64_t handled_access_net;
    uint64_t scoped;
};

struct path_beneath {
    uint64_t allowed_access;
    int32_t parent_fd;
} __attribute__((packed));

static void fail(const char *what) {
    fprintf(stderr, "execwire sandbox: cannot apply landlock: %s: %s\n", what, strerror(errno));
    _exit(101);
}

static uint64_t all_fs_rights(long abi) {
    uint64_t rights = (1ull << 13) - 1;
    if (abi >= 2) rights |= ACCESS_REFER;
    if (abi >= 3) rights |= ACCESS_TRUNCATE;
    if (abi >= 5) rights |= ACCESS_IOCTL_DEV;
    return rights;
}

static void allow(int ruleset, const char *path, uint64_t rights) {
    int fd = open(path, O_PATH | O_CLOEXEC);
    if (fd < 0) return; /* not in this sandbox's view */
    struct stat info;
    if (fstat(fd, &info) == 0 && !S_ISDIR(info.st_mode)) rights &= FILE_RIGHTS;
    struct path_beneath beneath = {.allowed_access = rights, .parent_fd = fd};
    if (syscall(SYS_ADD_RULE, ruleset, RULE_PATH_BENEATH, &beneath, 0) != 0) fail(path);
    close(fd);
}

int main(int argc, char **argv) {
    if (argc < 6) {
        fprintf(stderr, "usage: %s ARG0 LC_CTYPE net|nonet [-r|-w PATH]... -- COMMAND...\n", argv[0]);
        return 2;
    }
    const char *arg0 = argv[1][0] == '=' ? argv[1] + 1 : NULL;
    if (argv[2][0] == '=') setenv("LC_CTYPE", argv[2] + 1, 1);
    else unsetenv("LC_CTYPE");
    int network = strcmp(argv[3], "net") == 0;
    int command = 4;
    while (command < argc && strcmp(argv[command], "--") != 0) command += 2;
    if (command + 1 >= argc) {
        fprintf(stderr, "execwire sandbox: no command\n");
        return 2;
    }

    long abi = syscall(SYS_CREATE_RULESET, NULL, 0, CREATE_RULESET_VERSION);
    if (abi >= 1) {
        uint64_t everything = all_fs_rights(abi);
        struct ruleset_attr attr = {.handled_access_fs = everything};
        size_t size = sizeof(uint64_t);
        if (abi >= 4) {
            size = 2 * sizeof(uint64_t);
            if (!network) attr.handled_access_net = NET_BIND_TCP | NET_CONNECT_TCP;
        }
        if (abi >= 6) {
            size = sizeof(attr);
            attr.scoped = SCOPE_SIGNAL | (network ? 0 : SCOPE_ABSTRACT_UNIX_SOCKET);
        }
        int ruleset = (int)syscall(SYS_CREATE_RULESET, &attr, size, 0);
        if (ruleset < 0) fail("landlock_create_ruleset");
        for (int i = 4; i + 1 < command; i += 2)
            allow(ruleset, argv[i + 1], strcmp(argv[i], "-r") == 0 ? ACCESS_READ : everything);
        allow(ruleset, "/dev", everything);
        if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) != 0) fail("prctl(PR_SET_NO_NEW_PRIVS)");
        if (syscall(SYS_RESTRICT_SELF, ruleset, 0) != 0) fail("landlock_restrict_self");
        close(ruleset);
    }

    char **args = argv + command + 1;
    const char *program = args[0];
    if (arg0 != NULL) args[0] = (char *)arg0;
    execvp(program, args);
    int error = errno;
    fprintf(stderr, "execwire sandbox: failed to execute %s: %s\n", program, strerror(error));
    return error == ENOENT ? 127 : 126;
}
