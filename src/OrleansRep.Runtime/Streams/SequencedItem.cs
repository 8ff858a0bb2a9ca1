namespace OrleansRep.Runtime.Streams;

/// <summary>An item of a stream together with its position.</summary>
public readonly record struct SequencedItem<T>(T Item, StreamSequenceToken Token);
