namespace OrleansRep.Runtime.Core;

/// <summary>
/// A pluggable store of grain states, keyed by (grain id, state name), holding opaque bytes with an ETag.
/// Writes and clears are conditional on the caller's ETag so that two activations of one grain (which the runtime
/// tries to prevent but never relies on) cannot silently overwrite each other.
/// </summary>
public interface IGrainStorage
{
    /// <summary>The stored record, or null if there is none.</summary>
    Task<GrainStateRecord?> ReadAsync(GrainId grainId, string stateName, CancellationToken cancellationToken);

    /// <summary>Stores <paramref name="data"/> if the current record has <paramref name="expectedEtag"/>
    /// (null: if there is no record) and returns the new ETag.</summary>
    /// <exception cref="InconsistentStateException">The ETag does not match; nothing was written.</exception>
    Task<string> WriteAsync(GrainId grainId, string stateName, ReadOnlyMemory<byte> data, string? expectedEtag, CancellationToken cancellationToken);

    /// <summary>Deletes the record if it has <paramref name="expectedEtag"/> (null: there must be no record,
    /// which makes the clear a no-op).</summary>
    /// <exception cref="InconsistentStateException">The ETag does not match; nothing was deleted.</exception>
    Task ClearAsync(GrainId grainId, string stateName, string? expectedEtag, CancellationToken cancellationToken);
}
