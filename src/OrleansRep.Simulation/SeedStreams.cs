namespace OrleansRep.Simulation;

/// <summary>What a random stream is for. Each concern draws from its own <see cref="Random"/>, so a change in how
/// one concern uses randomness (a new fault kind, a new workload shape) leaves the other streams as they were.</summary>
public enum RandomConcern
{
    Shape = 1,
    Network = 2,
    Faults = 3,
    Workload = 4,
    Clocks = 5,
}

/// <summary>Derives one independent, reproducible <see cref="Random"/> per concern from a run's seed.</summary>
public static class SeedStreams
{
    public static Random For(int seed, RandomConcern concern) => new(Derive(seed, (int)concern));

    /// <summary>SplitMix64 of (seed, stream): well-spread sub-seeds even for neighbouring seeds.</summary>
    public static int Derive(int seed, int stream)
    {
        unchecked
        {
            var z = ((ulong)(uint)seed << 32 | (uint)stream) + 0x9E3779B97F4A7C15UL;
            z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9UL;
            z = (z ^ (z >> 27)) * 0x94D049BB133111EBUL;
            z ^= z >> 31;
            return (int)(z & 0x7FFFFFFF);
        }
    }
}
