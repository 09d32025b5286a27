"""Runs a command on a pseudo-terminal of its own and hangs the terminal up after a while, as a
dropped ssh session or a closed terminal window does: the kernel sends SIGHUP to the command and
its writes to the terminal fail (EIO) from then on.

usage: hang_up.py SECONDS COMMAND [ARG...]
Prints one line, `exit CODE` (negative: killed by that signal), once the command has ended.
"""
import os
import pty
import select
import signal
import sys
import time

after, command = float(sys.argv[1]), sys.argv[2:]
pid, terminal = pty.fork()
if pid == 0:
    # As a terminal starts a job: SIGHUP and SIGINT at their defaults, even where this script
    # inherited them ignored (started under nohup, or as a background job of a script).
    signal.signal(signal.SIGHUP, signal.SIG_DFL)
    signal.signal(signal.SIGINT, signal.SIG_DFL)
    os.execvp(command[0], command)

# Read what it shows (a terminal that is not read blocks its writer), then hang up.
deadline = time.monotonic() + after
while time.monotonic() < deadline:
    ready, _, _ = select.select([terminal], [], [], 0.1)
    if ready:
        try:
            os.read(terminal, 65536)
        except OSError:
            break
os.close(terminal)
_, status = os.waitpid(pid, 0)
print(f"exit {os.waitstatus_to_exitcode(status)}", flush=True)
