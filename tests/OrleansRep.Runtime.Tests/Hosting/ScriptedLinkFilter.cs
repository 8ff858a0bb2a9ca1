using System.Collections.Concurrent;
using OrleansRep.Runtime.Hosting;
using OrleansRep.Runtime.Membership;
using OrleansRep.Runtime.Transport;

namespace OrleansRep.Runtime.Tests.Hosting;

/// <summary>An <see cref="ILinkFilter"/> whose cut links a test sets: callers by client id, targets by port.</summary>
internal sealed class ScriptedLinkFilter : ILinkFilter
{
    private readonly TaskCompletionSource _refusedCaller = new(TaskCreationOptions.RunContinuationsAsynchronously);

    public ConcurrentDictionary<string, bool> CutCallers { get; } = new();

    public ConcurrentDictionary<int, bool> CutPorts { get; } = new();

    /// <summary>Completes once a call from a cut-off caller has been refused.</summary>
    public Task RefusedCaller => _refusedCaller.Task;

    public bool CanSendTo(SiloAddress silo) => !CutPorts.ContainsKey(silo.Port);

    public bool CanReceiveFrom(CallerIdentity caller)
    {
        if (CutCallers.ContainsKey(caller.ClientId))
        {
            _refusedCaller.TrySetResult();
            return false;
        }

        return true;
    }
}
