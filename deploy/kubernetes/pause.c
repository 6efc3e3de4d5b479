/* The DaemonSet's long-running container: it only has to exist after the
 * init container installed Portcullis on the node, so that the DaemonSet
 * shows the node as done and a new image version installs again.  A
 * process that is PID 1 in its namespace gets no default action for
 * SIGTERM (the kernel drops signals PID 1 has no handler for), so without
 * these handlers every pod deletion would wait the whole grace period. */
#include <signal.h>
#include <unistd.h>

static void done(int sig)
{
        (void) sig;
        _exit(0);
}

int main(void)
{
        struct sigaction sa = { .sa_handler = done };

        sigaction(SIGTERM, &sa, NULL);
        sigaction(SIGINT, &sa, NULL);
        for (;;)
                pause();
}
