using System.Diagnostics;

namespace OrleansRep.Cli.Bench;

/// <summary>
/// Sends <c>orep bench failover</c>'s kill -9 as one kill(2) call (<see cref="Process.Kill()"/> without the tree), so that
/// the time measured from just before it is the cluster's, not the harness's. <c>Process.Kill(entireProcessTree: true)</c>
/// first stops the process (SIGSTOP), then walks /proc for its children and only then sends SIGKILL: on a loaded machine
/// that walk took 140-770 ms, during which the master hung with its connections open (measured: a survivor was refused
/// a connection 400 ms after the master stopped answering it). A silo process has no children.
/// </summary>
internal static class FailoverSignal
{
    /// <summary>kill -9 of process <paramref name="pid"/>; returns once the signal is sent (not once it has exited).</summary>
    /// <exception cref="ArgumentException">No such process.</exception>
    public static void Kill(int pid)
    {
        using var process = Process.GetProcessById(pid);
        process.Kill();
    }
}
