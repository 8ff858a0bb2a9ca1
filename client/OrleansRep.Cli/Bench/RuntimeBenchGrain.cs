using OrleansRep.Runtime.Core;

namespace OrleansRep.Cli.Bench;

/// <summary>The grain <c>orep bench runtime</c> calls: a small-argument method whose work is negligible, so the
/// benchmark measures the runtime (encode, frame, dispatch, turn, reply), not the grain.</summary>
public interface IRuntimeBenchGrain : IGrainWithStringKey
{
    /// <summary>Returns <paramref name="value"/> plus one, so the caller can check the round trip reached the grain.</summary>
    Task<int> Increment(int value);
}

/// <summary>The benchmark grain: stateless, one activation per caller key.</summary>
internal sealed class RuntimeBenchGrain : Grain, IRuntimeBenchGrain
{
    public Task<int> Increment(int value) => Task.FromResult(value + 1);
}
