#!/usr/bin/env python3
"""Where a test run's CPU went: Linux process accounting joined with the tests' process log.

usage: suite_cpu.py PACCT PROCESSES.TSV [--top N]

PACCT is what `accton FILE` wrote while the suite ran (acct v3 records: every process that ended,
with its parent, start, elapsed and CPU time); PROCESSES.TSV is the tests' own log of the processes
they started (PID, test class, command line; tests/VideoAffect.Tests/Support/ProcessLog.cs). Prints
the CPU-seconds by program, then by test class: each process a test started with all of its
descendants (the CLI's ffmpeg children count for the test that ran the CLI). The test processes'
own CPU (in-process tests, the kernels' simulated GPU threads) is one line each: accounting cannot
split it by test.
"""
import collections
import struct
import sys

RECORD = 64   # struct acct_v3 (linux/acct.h)
AHZ = 100     # its time unit: ticks of 1/100 s


def comp_t(value):
    """13-bit mantissa, 3-bit base-8 exponent."""
    return (value & 0x1FFF) << (3 * ((value >> 13) & 7))


def read_accounting(path):
    data = open(path, 'rb').read()
    records = []
    for offset in range(0, len(data) - RECORD + 1, RECORD):
        r = data[offset:offset + RECORD]
        flag, version, tty, exit_code, uid, gid, pid, ppid, begin, elapsed = struct.unpack('<BBHIIIIIIf', r[:32])
        if version & 0x7F != 3:
            continue
        user, system = struct.unpack('<HH', r[32:36])
        command = r[48:64].split(b'\0')[0].decode(errors='replace')
        records.append({'pid': pid, 'ppid': ppid, 'begin': begin, 'elapsed': elapsed / AHZ,
                        'cpu': (comp_t(user) + comp_t(system)) / AHZ, 'command': command})
    return records


def program(command):
    """.NET renames a process after the thread that ended last: every such name is one program."""
    if command.startswith('.NET') or command in ('dotnet', 'HangWatcher') or command.startswith('ILGPU'):
        return 'dotnet'
    return command


def main(argv):
    if len(argv) < 3:
        print(__doc__.strip(), file=sys.stderr)
        return 2
    top = int(argv[argv.index('--top') + 1]) if '--top' in argv else 40
    records = read_accounting(argv[1])
    if not records:
        print(f'suite_cpu.py: no acct v3 records in {argv[1]}', file=sys.stderr)
        return 2
    # A PID can come back within a run: the record that began last before the log named it is the one.
    by_pid = {}
    for r in sorted(records, key=lambda r: r['begin']):
        by_pid.setdefault(r['pid'], []).append(r)
    children = collections.defaultdict(list)
    for r in records:
        children[r['ppid']].append(r)

    log = []
    for line in open(argv[2], encoding='utf-8', errors='replace'):
        fields = line.rstrip('\n').split('\t')
        if len(fields) >= 3 and fields[0].isdigit() and by_pid.get(int(fields[0])):
            # Not there: still running when accounting stopped, or not a process of this run.
            log.append((by_pid[int(fields[0])][-1], fields[1]))
    logged = {id(r) for r, _ in log}

    def descendants_cpu(record, depth=0):
        # A descendant the log names counts for its own test class (the idle-time classes' test
        # process is one); children whose parent ended first are re-parented (to 1) and count for nobody.
        return 0.0 if depth > 30 else sum(c['cpu'] + descendants_cpu(c, depth + 1) for c in children.get(record['pid'], [])
                                           if c['begin'] >= record['begin'] and id(c) not in logged)

    user = [r for r in records if r['ppid'] != 2 and r['pid'] != 2 and r['command'] != 'accton']  # not the kernel's threads
    total = sum(r['cpu'] for r in records)
    span = max(r['begin'] + r['elapsed'] for r in user) - min(r['begin'] for r in user)
    print(f'{total:.0f} CPU-s in {len(records)} processes over {span:.0f} s')
    print('\nby program (CPU-s, processes):')
    programs = collections.defaultdict(lambda: [0.0, 0])
    for r in records:
        p = programs[program(r['command'])]
        p[0] += r['cpu']
        p[1] += 1
    for name, (cpu, count) in sorted(programs.items(), key=lambda x: -x[1][0])[:15]:
        print(f'{cpu:8.1f} {count:6d}  {name}')

    classes = collections.defaultdict(lambda: [0.0, 0])
    counted = set()
    for r, test_class in log:
        if id(r) in counted:
            continue
        counted.add(id(r))
        c = classes[test_class.removeprefix('VideoAffect.Tests.')]
        c[0] += r['cpu'] + descendants_cpu(r)
        c[1] += 1
    print(f'\nby test class, the processes it started and their descendants (CPU-s, processes; top {top}):')
    for name, (cpu, count) in sorted(classes.items(), key=lambda x: -x[1][0])[:top]:
        print(f'{cpu:8.1f} {count:6d}  {name}')
    print('\n.NET processes that ran over a minute, their own CPU (the test processes: their in-process tests;'
          ' "?" above is a process no test class started, such as the idle-time classes\' test process):')
    for r in sorted((r for r in user if program(r['command']) == 'dotnet' and r['elapsed'] > 60), key=lambda r: -r['cpu'])[:8]:
        print(f"{r['cpu']:8.1f} CPU-s over {r['elapsed']:4.0f} s, from {r['begin'] - min(u['begin'] for u in user):4d} s  (pid {r['pid']})")
    return 0


if __name__ == '__main__':
    sys.exit(main(sys.argv))
