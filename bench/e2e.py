#!/usr/bin/python3
# SPDX-License-Identifier: GPL-3.0-or-later
"""bench-e2e: the speed of the real logdeck binary, end to end. Prints figures; asserts none.

The in-process benchmarks (bench-ingest-pickle, bench-export) time Logdeck's code inside the
benchmark's own process; this one starts the programs users run and drives them from outside:

  headless  logdeck-headless --output FILE, without and with --archive: a capture of CPython
            SocketHandler frames replayed over loopback with sendfile(), timed from the first
            byte sent to the moment the output file holds every record as a line (the file is
            read as it grows; SIGTERM comes after that, so the drain is not in the time).
  window    the same into logdeck's window under Xvfb, timed to the moment the store holds
            every record, with the longest gap between two frames drawn while records arrived.
            Both are read from the window's test hook (src/ui/ld-bench-report.c,
            LOGDECK_BENCH_REPORT_FD).
  idle      the window holding --idle-records records with nothing arriving: the CPU time it
            uses and the times its threads are switched in (wake-ups) over --idle-seconds,
            after a settling time.
  open      logdeck FILE with a Python text log of --records lines, timed from the start of the
            process to the store holding every line; lnav on the same file in the same run, each
            run of logdeck followed by one of lnav, when lnav is installed.

Peak RSS is the program's VmHWM from /proc. Each figure is the median of --runs runs.

The capture is bench-ingest-pickle's (made by gen_pickle_capture.py in the temporary folder,
kept between runs); fewer records than it holds replay its first frames.
"""

import argparse
import os
import select
import shutil
import signal
import socket
import statistics
import struct
import subprocess
import sys
import tempfile
import threading
import time

BUILD_ROOT = "@BUILD_ROOT@"
GENERATOR = "@GENERATOR@"
XVFB = ["xvfb-run", "-a", "-s", "-screen 0 1400x900x24"]
CLK_TCK = os.sysconf("SC_CLK_TCK")


def parse_args():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0],
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("modes", nargs="*", default=["headless", "window", "idle", "open"],
                        help="what to measure: headless, window, idle, open (default: all), "
                        "scaling (headless with 1-8 senders on 1 and 2 CPUs)")
    parser.add_argument("--runs", type=int, default=3, help="runs of each (default 3)")
    parser.add_argument("--records", type=int, default=1000000, help="records (default 1M)")
    parser.add_argument("--idle-records", type=int, default=100000)
    parser.add_argument("--idle-seconds", type=float, default=10.0)
    parser.add_argument("--settle-seconds", type=float, default=3.0,
                        help="wait this long after the last record before measuring idle")
    parser.add_argument("--capture", help="the capture to replay (default: in the temp folder)")
    parser.add_argument("--python", default=os.environ.get("LD_PYTHON3", "/usr/bin/python3"))
    parser.add_argument("--senders", type=int, default=1,
                        help="headless: connections sending at once, each RECORDS/N records")
    parser.add_argument("--cpus", help="headless: run logdeck-headless on these CPUs only "
                        "(taskset -c LIST; it decodes on as many threads as it may use)")
    parser.add_argument("--headless-binary", help="another logdeck-headless to time, such as "
                        "an older build's (default: this build's)")
    parser.add_argument("--keep", action="store_true", help="keep the output files")
    parser.add_argument("--profile", metavar="DIR",
                        help="record each run with perf (call graphs) into DIR/MODE-N.data, "
                        "from the first byte sent (a file open: from the window's first "
                        "report) to the end point, and print the CPU time per thread")
    return parser.parse_args()


# Figures


def grouped(value):
    return "{:,}".format(int(value))


def median_line(name, runs, records):
    seconds = statistics.median(run["seconds"] for run in runs)
    rss = statistics.median(run["rss_mb"] for run in runs)
    line = "%s: %s records in %.2f s = %s records/s; peak RSS %.0f MB" % (
        name, grouped(records), seconds, grouped(records / seconds), rss)
    if "cpu" in runs[0]:
        line += "; CPU %.2f s" % statistics.median(run["cpu"] for run in runs)
    if "sent" in runs[0]:
        line += "; the last byte sent after %.2f s" % statistics.median(run["sent"] for run in runs)
    if "gap_ms" in runs[0]:
        line += "; longest frame gap %.0f ms" % statistics.median(run["gap_ms"] for run in runs)
    each = ", ".join("%.2f" % run["seconds"] for run in runs)
    print("%s (median of %d: %s s)" % (line, len(runs), each), flush=True)


def proc_status(pid, field):
    """A field of /proc/PID/status in kB (or a plain count), 0 once the process is gone."""
    try:
        with open("/proc/%d/status" % pid) as status:
            for line in status:
                if line.startswith(field + ":"):
                    return int(line.split()[1])
    except OSError:
        pass
    return 0


def cpu_seconds(pid):
    """utime + stime of every thread of PID."""
    with open("/proc/%d/stat" % pid) as stat:
        fields = stat.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / CLK_TCK


def switches(pid):
    """Context switches of every thread of PID: each is a thread going to sleep or being woken."""
    total = 0
    main = 0
    for task in os.listdir("/proc/%d/task" % pid):
        try:
            with open("/proc/%d/task/%s/status" % (pid, task)) as status:
                n = sum(int(line.split()[1]) for line in status
                        if line.startswith(("voluntary_ctxt_switches", "nonvoluntary_ctxt_switches")))
        except OSError:
            continue
        total += n
        if int(task) == pid:
            main = n
    return main, total


# Profiles


class Profile:
    """perf record attached to a running program, and its threads' CPU time meanwhile."""

    counter = {}

    def __init__(self, args, mode, pid):
        self.pid = pid
        self.process = None
        if not args.profile:
            return
        os.makedirs(args.profile, exist_ok=True)
        n = Profile.counter[mode] = Profile.counter.get(mode, 0) + 1
        self.path = os.path.join(args.profile, "%s-%d.data" % (mode, n))
        self.threads = thread_times(pid)
        # cpu-clock: virtual machines rarely expose the hardware counters. DWARF call
        # graphs, as the build has no frame pointers; a low rate keeps the file small.
        self.process = subprocess.Popen(["perf", "record", "-q", "-e", "cpu-clock", "-F", "499",
                                         "--call-graph", "dwarf,16384", "-p", str(pid),
                                         "-o", self.path], stdout=subprocess.DEVNULL)
        time.sleep(0.5)     # perf attaches to every thread before the clock starts

    def stop(self, records):
        if self.process is None:
            return
        after = thread_times(self.pid)
        self.process.send_signal(signal.SIGINT)
        self.process.wait()
        total = 0.0
        print("  profile %s; CPU time per thread while measured:" % self.path)
        for tid, (name, seconds) in sorted(after.items(), key=lambda item: -item[1][1]):
            used = seconds - self.threads.get(tid, (name, 0.0))[1]
            total += used
            if used >= 0.01:
                print("    %-16s %6.2f s" % (name, used))
        print("    all threads      %6.2f s = %.2f µs a record" % (total, total * 1e6 / records),
              flush=True)


def thread_times(pid):
    """{tid: (name, utime + stime in seconds)} of every thread of PID."""
    times = {}
    for task in os.listdir("/proc/%d/task" % pid):
        try:
            with open("/proc/%d/task/%s/stat" % (pid, task)) as stat:
                head, tail = stat.read().rsplit(")", 1)
        except OSError:
            continue
        fields = tail.split()
        times[int(task)] = (head.split("(", 1)[1],
                            (int(fields[11]) + int(fields[12])) / CLK_TCK)
    return times


# The capture


def ensure_capture(args):
    n = max(args.records, args.idle_records)
    if args.capture is None:
        # bench-ingest-pickle's own, shared.
        n = max(n, 1000000)
        args.capture = os.path.join(tempfile.gettempdir(), "logdeck-bench-pickle-%d.bin" % n)
    if not os.path.exists(args.capture):
        print("bench-e2e: capturing %s records from SocketHandler into %s…"
              % (grouped(n), args.capture), file=sys.stderr)
        subprocess.run([args.python, GENERATOR, args.capture, "--records", str(n)], check=True)


def frames_size(path, n):
    """The bytes of the first N frames: each is a 4-byte big-endian length and a pickle."""
    offset = 0
    with open(path, "rb") as capture:
        for _ in range(n):
            capture.seek(offset)
            header = capture.read(4)
            if len(header) < 4:
                sys.exit("bench-e2e: %s holds fewer than %d records" % (path, n))
            offset += 4 + struct.unpack(">L", header)[0]
    return offset


def free_port():
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def connect(port, process, deadline=60.0):
    """Connects once the program listens (it may still be starting)."""
    start = time.monotonic()
    while True:
        try:
            return socket.create_connection(("127.0.0.1", port))
        except ConnectionRefusedError:
            if process.poll() is not None or time.monotonic() - start > deadline:
                sys.exit("bench-e2e: logdeck did not listen on %d" % port)
            time.sleep(0.02)


def send(sock, capture, size):
    with open(capture, "rb") as source:
        offset = 0
        while offset < size:
            offset += os.sendfile(sock.fileno(), source.fileno(), offset, size - offset)
    sock.close()


def listen_args(port):
    return ["--tcp-port", str(port), "--udp-port", "0", "--http-port", "0", "--nng-listen", ""]


def environment():
    env = dict(os.environ)
    env.update(GSETTINGS_BACKEND="memory", GSETTINGS_SCHEMA_DIR=os.path.join(BUILD_ROOT, "data"),
               NO_AT_BRIDGE="1", GTK_A11Y="none")
    env.pop("LOGDECK_TOKEN", None)
    return env


def stop(process):
    if process.poll() is None:
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(30)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


# headless


def records_sent(args):
    """Each sender sends the first RECORDS/SENDERS records of the capture."""
    return args.records // args.senders * args.senders


# The divider the source tracker writes when a second connection turns out to be a known
# source: it is in the output, but not one of the records sent.
DIVIDER = b'"logger":"logdeck.ingest"'


def count_lines_until(path, n, process):
    """Reads the output as it grows until it holds N records sent; returns when it did.
    Dividers are not counted: whether one is written for each further sender depends on
    timing, and waiting for one that never comes would never end. The count is cheap (the
    benchmark shares the CPUs with the program): newlines, and dividers in each chunk and
    across its start."""
    records = 0
    tail = b""
    while not os.path.exists(path):
        time.sleep(0.001)
    with open(path, "rb", buffering=0) as output:
        while records < n:
            chunk = output.read(1 << 20)
            if chunk:
                across = tail + chunk[:len(DIVIDER) - 1]
                records += chunk.count(b"\n") - chunk.count(DIVIDER) - across.count(DIVIDER)
                tail = (tail + chunk[-(len(DIVIDER) - 1):])[-(len(DIVIDER) - 1):]
            elif process.poll() is not None:
                sys.exit("bench-e2e: logdeck-headless stopped at %d records" % records)
            else:
                time.sleep(0.002)
    return time.monotonic()


def run_headless(args, size, archive, workdir):
    output = os.path.join(workdir, "output.jsonl")
    port = free_port()
    command = [args.headless_binary or os.path.join(BUILD_ROOT, "src", "logdeck-headless"),
               "--output", output,
               "--max-records", str(args.records)] + listen_args(port)
    if archive:
        archive_path = os.path.join(workdir, "archive.sqlite")
        command += ["--archive", archive_path]
    else:
        command += ["--no-archive"]
    for stale in (output, os.path.join(workdir, "archive.sqlite")):
        if os.path.exists(stale):
            os.unlink(stale)

    if args.cpus:
        command = ["taskset", "-c", args.cpus] + command
    process = subprocess.Popen(command, env=environment(), stderr=subprocess.DEVNULL)
    socks = [connect(port, process) for _ in range(args.senders)]
    profile = Profile(args, "headless-archive" if archive else "headless", process.pid)
    start = time.monotonic()
    senders = [threading.Thread(target=send, args=(sock, args.capture, size)) for sock in socks]
    for sender in senders:
        sender.start()
    for sender in senders:
        sender.join()
    sent = time.monotonic()
    end = count_lines_until(output, records_sent(args), process)
    run = {"seconds": end - start, "rss_mb": proc_status(process.pid, "VmHWM") / 1024,
           "cpu": cpu_seconds(process.pid), "sent": sent - start}
    profile.stop(records_sent(args))
    stop(process)
    if not args.keep:
        os.unlink(output)
    return run


def run_scaling(args, workdir):
    """Headless --output (no archive) with 1, 2, 4 and 8 senders, on one CPU and on two:
    logdeck-headless decodes on as many threads as it may use (the ingest thread and a pool
    of one thread fewer than the CPUs), so one CPU is one decoder thread and two are two.
    Prints a Markdown table to paste into README-e2e.md."""
    cpu_sets = ["0", "0,1"] if os.cpu_count() >= 2 else ["0"]
    with open("/proc/loadavg") as loadavg:
        load = " ".join(loadavg.read().split()[:3])
    print("Scaling, `bench-e2e scaling --runs %d --records %d` (headless `--output`, no archive, "
          "medians of %d; load average %s at the start):" % (args.runs, args.records, args.runs,
                                                               load))
    print()
    print("| senders | " + " | ".join(
        "%d decoder thread%s (CPU%s %s): records/s, CPU µs/record, RSS"
        % (len(c.split(",")), "s" if "," in c else "", "s" if "," in c else "", c)
        for c in cpu_sets) + " |")
    print("|---|" + "---:|" * len(cpu_sets))
    for senders in (1, 2, 4, 8):
        cells = []
        for cpus in cpu_sets:
            scaled = argparse.Namespace(**vars(args))
            scaled.senders, scaled.cpus = senders, cpus
            size = frames_size(args.capture, args.records // senders)
            runs = [run_headless(scaled, size, False, workdir) for _ in range(args.runs)]
            seconds = statistics.median(run["seconds"] for run in runs)
            n = records_sent(scaled)
            cells.append("%s, %.2f, %.0f MB" % (
                grouped(n / seconds), statistics.median(run["cpu"] for run in runs) * 1e6 / n,
                statistics.median(run["rss_mb"] for run in runs)))
        print("| %d | %s |" % (senders, " | ".join(cells)), flush=True)


# The window


class Window:
    """logdeck with its window under Xvfb, reporting through its test hook."""

    def __init__(self, extra_args, port=None):
        read_fd, write_fd = os.pipe()
        env = environment()
        env["LOGDECK_BENCH_REPORT_FD"] = str(write_fd)
        command = XVFB + ["dbus-run-session", "--", os.path.join(BUILD_ROOT, "src", "logdeck")]
        command += listen_args(port if port is not None else 0)
        command += ["--no-archive"] + extra_args
        self.started = time.monotonic()
        self.process = subprocess.Popen(command, env=env, pass_fds=(write_fd,),
                                        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                                        start_new_session=True)
        os.close(write_fd)
        # Unbuffered, so that select() sees every line not read yet.
        self.report = os.fdopen(read_fd, "rb", buffering=0)
        first = self.report.readline().decode().split()
        if first[:1] != ["pid"]:
            self.close()
            sys.exit("bench-e2e: the window did not report (was it built with the hook?)")
        self.pid = int(first[1])
        self.received = 0
        self.gap_ms = 0.0

    def wait_for(self, n):
        """Reads the reports until the store holds N records; returns when it did."""
        while self.received < n:
            line = self.report.readline().decode()
            if not line:
                sys.exit("bench-e2e: the window stopped at %d records" % self.received)
            words = line.split()
            self.received, self.gap_ms = int(words[1]), float(words[3])
        end = time.monotonic()
        # The frames drawn after the last record may still lengthen the longest gap.
        while select.select([self.report], [], [], 0.5)[0]:
            words = self.report.readline().split()
            if not words:
                break
            self.gap_ms = float(words[3])
        return end

    def close(self):
        try:
            os.kill(self.pid, signal.SIGTERM)
        except (OSError, AttributeError):
            pass
        try:
            self.process.wait(30)
        except subprocess.TimeoutExpired:
            os.killpg(self.process.pid, signal.SIGKILL)
            self.process.wait()
        self.report.close()


def run_window(args, size, records):
    port = free_port()
    window = Window(["--max-records", str(records)], port)
    sock = connect(port, window.process)
    time.sleep(1.0)     # let the window show before the clock starts
    profile = Profile(args, "window", window.pid)
    start = time.monotonic()
    send(sock, args.capture, size)
    end = window.wait_for(records)
    profile.stop(records)
    run = {"seconds": end - start, "rss_mb": proc_status(window.pid, "VmHWM") / 1024,
           "cpu": cpu_seconds(window.pid), "gap_ms": window.gap_ms}
    return window, run


def run_idle(args, size):
    window, run = run_window(args, size, args.idle_records)
    time.sleep(args.settle_seconds)
    cpu_before = cpu_seconds(window.pid)
    main_before, all_before = switches(window.pid)
    time.sleep(args.idle_seconds)
    cpu = cpu_seconds(window.pid) - cpu_before
    main_after, all_after = switches(window.pid)
    window.close()
    return {"cpu_percent": 100 * cpu / args.idle_seconds,
            "main_wakeups": (main_after - main_before) / args.idle_seconds,
            "all_wakeups": (all_after - all_before) / args.idle_seconds}


# Opening a file


def ensure_text_log(n):
    """A Python text log of N one-line records, as logging.Formatter with
    "%(asctime)s - %(name)s - %(levelname)s - %(message)s" writes them."""
    path = os.path.join(tempfile.gettempdir(), "logdeck-bench-text-%d.log" % n)
    if os.path.exists(path):
        return path
    loggers = ("acme.api", "acme.api.auth", "acme.db", "acme.worker")
    levels = ("INFO", "INFO", "INFO", "INFO", "DEBUG", "DEBUG", "DEBUG", "WARNING", "WARNING",
              "ERROR")
    base = time.mktime((2026, 12, 1, 9, 0, 0, 0, 0, -1))
    with open(path + ".part", "w") as out:
        for i in range(n):
            stamp = base + i / 1000
            level = levels[i % 10]
            out.write("%s,%03d - %s - %s - GET /api/v1/items/%d completed in %d ms\n" % (
                time.strftime("%Y-%m-%d %H:%M:%S", time.localtime(stamp)),
                int(stamp * 1000) % 1000, loggers[i % 4], level, i, i % 997))
    os.rename(path + ".part", path)
    return path


def run_open(args, path):
    window = Window(["--max-records", str(args.records), path])
    profile = Profile(args, "open", window.pid)
    end = window.wait_for(args.records)
    profile.stop(args.records)
    run = {"seconds": end - window.started, "rss_mb": proc_status(window.pid, "VmHWM") / 1024,
           "cpu": cpu_seconds(window.pid), "gap_ms": window.gap_ms}
    window.close()
    return run


def run_lnav(path):
    """lnav opening the same file and counting its lines as log messages, as a user of lnav
    would ask it: from the start of the process to its answer. Returns None without lnav."""
    start = time.monotonic()
    done = subprocess.run(["lnav", "-n", "-c", ";SELECT count(*) FROM all_logs", path],
                          capture_output=True, text=True, env=dict(os.environ, TERM="dumb"))
    seconds = time.monotonic() - start
    # It prints a header and the count: the last word is the number of lines it took as logs.
    words = done.stdout.split()
    count = int(words[-1]) if words and words[-1].isdigit() else -1
    return {"seconds": seconds, "count": count}


def run_open_and_lnav(args, path):
    """Each run opens the file in logdeck, then in lnav, so both see the same machine."""
    has_lnav = shutil.which("lnav") is not None
    runs, lnav_runs = [], []
    for _ in range(args.runs):
        runs.append(run_open(args, path))
        if has_lnav:
            lnav_runs.append(run_lnav(path))
    median_line("open a Python text log in the window (from the process's start)",
                runs, args.records)
    if not has_lnav:
        print("lnav: not installed, so not compared (build-aux/install-deps installs it)",
              flush=True)
        return
    seconds = statistics.median(run["seconds"] for run in lnav_runs)
    print("lnav -n -c ';SELECT count(*) FROM all_logs': %.2f s, it counted %s lines "
          "(median of %d: %s s)" % (seconds, grouped(lnav_runs[0]["count"]), len(lnav_runs),
                                    ", ".join("%.2f" % run["seconds"] for run in lnav_runs)))
    print("open: logdeck %.2f s, lnav %.2f s: logdeck takes %.2fx lnav's time" % (
        statistics.median(run["seconds"] for run in runs), seconds,
        statistics.median(run["seconds"] for run in runs) / seconds), flush=True)


def main():
    args = parse_args()
    with open("/proc/loadavg") as loadavg:
        print("bench-e2e: load average %s at the start" % " ".join(loadavg.read().split()[:3]))
    workdir = tempfile.mkdtemp(prefix="logdeck-e2e-")
    try:
        if {"headless", "scaling", "window", "idle"} & set(args.modes):
            ensure_capture(args)
        if "headless" in args.modes:
            size = frames_size(args.capture, args.records // args.senders)
            for archive in (False, True):
                runs = [run_headless(args, size, archive, workdir) for _ in range(args.runs)]
                median_line("headless --output%s, %d sender%s%s" % (
                    " --archive" if archive else "", args.senders,
                    "s" if args.senders > 1 else "",
                    ", on CPUs " + args.cpus if args.cpus else ""), runs, records_sent(args))
        if "scaling" in args.modes:
            run_scaling(args, workdir)
        if "window" in args.modes:
            size = frames_size(args.capture, args.records)
            runs = []
            for _ in range(args.runs):
                window, run = run_window(args, size, args.records)
                window.close()
                runs.append(run)
            median_line("window (Xvfb)", runs, args.records)
        if "idle" in args.modes:
            size = frames_size(args.capture, args.idle_records)
            runs = [run_idle(args, size) for _ in range(args.runs)]
            print("idle window holding %s records, over %.0f s after %.0f s: CPU %.2f %% of a "
                  "core; %.1f wake-ups/s on the UI thread, %.1f in all threads (medians of %d)"
                  % (grouped(args.idle_records), args.idle_seconds, args.settle_seconds,
                     statistics.median(r["cpu_percent"] for r in runs),
                     statistics.median(r["main_wakeups"] for r in runs),
                     statistics.median(r["all_wakeups"] for r in runs), len(runs)), flush=True)
        if "open" in args.modes:
            path = ensure_text_log(args.records)
            run_open_and_lnav(args, path)
    finally:
        if args.keep:
            print("bench-e2e: the output files are in %s" % workdir)
        else:
            shutil.rmtree(workdir, ignore_errors=True)
    with open("/proc/loadavg") as loadavg:
        print("bench-e2e: load average %s at the end" % " ".join(loadavg.read().split()[:3]))


if __name__ == "__main__":
    main()
