using System.Collections.Concurrent;

namespace OrleansRep.Runtime.Core;

/// <summary>
/// One grain type's counters in one silo (what OrleansDashboard shows per grain type): activations now and since the
/// start, and its calls in total and per method (<see cref="GrainCallStatistics"/>). The per-method entry is made on a
/// method's first call; after that a call finds it with one lock-free dictionary read and records with
/// <see cref="Interlocked"/> increments, allocating nothing.
/// </summary>
public sealed class GrainTypeStatistics
{
    private readonly ConcurrentDictionary<GrainMethodDescriptor, GrainCallStatistics> _methods = new();
    private readonly Func<GrainMethodDescriptor, GrainCallStatistics> _newMethod;
    private long _activations;
    private long _activationsTotal;

    internal GrainTypeStatistics(string grainType)
    {
        GrainType = grainType;
        Calls = new GrainCallStatistics(grainType);
        _newMethod = static method => new GrainCallStatistics(method.Method.Name);
    }

    /// <summary>The grain type (the grain class's full name).</summary>
    public string GrainType { get; }

    /// <summary>Every call of the type, whatever the method.</summary>
    public GrainCallStatistics Calls { get; }

    internal void OnActivated()
    {
        Interlocked.Increment(ref _activations);
        Interlocked.Increment(ref _activationsTotal);
    }

    internal void OnDeactivated() => Interlocked.Decrement(ref _activations);

    internal void RecordCall(GrainMethodDescriptor method, long startTimestamp, bool failed)
    {
        Calls.Record(startTimestamp, failed);
        if (!_methods.TryGetValue(method, out var statistics))
        {
            statistics = _methods.GetOrAdd(method, _newMethod);
        }

        statistics.Record(startTimestamp, failed);
    }

    /// <summary>The counters as of now.</summary>
    public GrainTypeCounts Snapshot() => new(
        GrainType,
        Interlocked.Read(ref _activations),
        Interlocked.Read(ref _activationsTotal),
        Calls.Snapshot(),
        [.. _methods.Values.Select(m => m.Snapshot()).OrderBy(m => m.Name, StringComparer.Ordinal)]);
}
