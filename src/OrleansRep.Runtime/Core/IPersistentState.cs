namespace OrleansRep.Runtime.Core;

/// <summary>
/// A grain's persistent state, as in Orleans: <see cref="State"/> is loaded before <see cref="Grain.OnActivateAsync"/>;
/// writes and clears are guarded by <see cref="Etag"/>, so a write based on a stale read fails with
/// <see cref="InconsistentStateException"/> and changes nothing.
/// </summary>
public interface IPersistentState<TState>
{
    /// <summary>The state; a new <typeparamref name="TState"/> when no record exists.</summary>
    TState State { get; set; }

    /// <summary>The version of the stored record this state was read from or last written as; null if none.</summary>
    string? Etag { get; }

    /// <summary>Whether a stored record exists (as of the last read, write or clear).</summary>
    bool RecordExists { get; }

    /// <summary>Replaces <see cref="State"/> with the stored record.</summary>
    Task ReadStateAsync(CancellationToken cancellationToken = default);

    /// <summary>Stores <see cref="State"/> if the stored record still has <see cref="Etag"/>.</summary>
    /// <exception cref="InconsistentStateException">The stored record changed since it was read.</exception>
    Task WriteStateAsync(CancellationToken cancellationToken = default);

    /// <summary>Deletes the stored record (if it still has <see cref="Etag"/>) and resets <see cref="State"/>.</summary>
    /// <exception cref="InconsistentStateException">The stored record changed since it was read.</exception>
    Task ClearStateAsync(CancellationToken cancellationToken = default);
}
