namespace OrleansRep.Runtime.Streams;

/// <summary>
/// The part of a rewind that must come from an external log: items from <see cref="From"/> up to (not including)
/// <see cref="Until"/>, where the provider's own window takes over.
/// </summary>
internal sealed record LogReplay<T>(IStreamLog<T> Log, StreamSequenceToken From, StreamSequenceToken Until, int BatchSize);
