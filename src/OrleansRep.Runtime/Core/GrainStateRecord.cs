namespace OrleansRep.Runtime.Core;

/// <summary>A stored grain state: its serialized bytes and the ETag that names this version of it.</summary>
public sealed record GrainStateRecord(ReadOnlyMemory<byte> Data, string Etag);
