using System.Diagnostics;
using System.Runtime.InteropServices;

namespace PainReview.Cli.Commands;

/// <summary>
/// CPU time used so far by this process and by its finished child processes (ffmpeg), for the benchmark:
/// on a shared machine wall-clock speed depends on what else runs, CPU time per frame much less.
/// Children are counted once reaped (each ffmpeg run has ended by the time a bench stage ends).
/// </summary>
internal static partial class CpuClock
{
    public readonly record struct Reading(TimeSpan Process, TimeSpan Children)
    {
        public TimeSpan Total => Process + Children;
        public static Reading operator -(Reading a, Reading b) => new(a.Process - b.Process, a.Children - b.Children);
    }

    public static Reading Now()
    {
        var process = Process.GetCurrentProcess().TotalProcessorTime;
        var children = TimeSpan.Zero;
        if (OperatingSystem.IsLinux() || OperatingSystem.IsMacOS())
        {
            try
            {
                // struct rusage starts with ru_utime and ru_stime (struct timeval: seconds, microseconds; 64-bit longs).
                Span<long> usage = stackalloc long[32];
                if (GetRusage(-1 /* RUSAGE_CHILDREN */, ref MemoryMarshal.GetReference(usage)) == 0)
                    children = TimeSpan.FromMicroseconds((usage[0] + usage[2]) * 1_000_000.0 + usage[1] + usage[3]);
            }
            catch (Exception e) when (e is DllNotFoundException or EntryPointNotFoundException)
            {
                // No libc getrusage: children's time is not counted.
            }
        }
        return new(process, children);
    }

    [LibraryImport("libc", EntryPoint = "getrusage")]
    private static partial int GetRusage(int who, ref long usage);
}
