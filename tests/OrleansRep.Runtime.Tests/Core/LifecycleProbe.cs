using System.Collections.Concurrent;
using OrleansRep.Runtime.Core;

namespace OrleansRep.Runtime.Tests.Core;

/// <summary>What test grains report about their lifecycle (a singleton service shared with the test).</summary>
public sealed class LifecycleProbe
{
    private int _activations;
    private int _activationFailuresLeft;
    private int _timerTicks;

    public int Activations => Volatile.Read(ref _activations);

    public int TimerTicks => Volatile.Read(ref _timerTicks);

    public ConcurrentQueue<DeactivationReason> Deactivations { get; } = new();

    public bool TimerTokenCancelled { get; set; }

    /// <summary>How many of the next activations fail (int.MaxValue: all of them).</summary>
    public int ActivationFailuresLeft
    {
        get => Volatile.Read(ref _activationFailuresLeft);
        set => Volatile.Write(ref _activationFailuresLeft, value);
    }

    public void Activated() => Interlocked.Increment(ref _activations);

    public bool ShouldFailActivation() => Interlocked.Decrement(ref _activationFailuresLeft) >= 0;

    public void Ticked() => Interlocked.Increment(ref _timerTicks);
}
