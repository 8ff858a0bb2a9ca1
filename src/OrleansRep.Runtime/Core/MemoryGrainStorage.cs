using System.Globalization;

namespace OrleansRep.Runtime.Core;

/// <summary>
/// Grain storage in memory, for tests and for grains whose state need not outlive the process. Records are
/// copied in and out, so a grain mutating its state after a write does not change what is stored.
/// ETags come from one counter per storage, so a record deleted and written again never reuses an ETag.
/// </summary>
public sealed class MemoryGrainStorage : IGrainStorage
{
    private readonly Lock _lock = new();
    private readonly Dictionary<(GrainId, string), GrainStateRecord> _records = [];
    private long _lastVersion;

    /// <summary>The number of stored records.</summary>
    public int Count
    {
        get
        {
            lock (_lock)
            {
                return _records.Count;
            }
        }
    }

    public Task<GrainStateRecord?> ReadAsync(GrainId grainId, string stateName, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(stateName);
        cancellationToken.ThrowIfCancellationRequested();
        lock (_lock)
        {
            return Task.FromResult(_records.TryGetValue((grainId, stateName), out var record)
                ? record with { Data = record.Data.ToArray() }
                : null);
        }
    }

    public Task<string> WriteAsync(GrainId grainId, string stateName, ReadOnlyMemory<byte> data, string? expectedEtag, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(stateName);
        cancellationToken.ThrowIfCancellationRequested();
        lock (_lock)
        {
            CheckEtag(grainId, stateName, expectedEtag, "write");
            var etag = (++_lastVersion).ToString(CultureInfo.InvariantCulture);
            _records[(grainId, stateName)] = new GrainStateRecord(data.ToArray(), etag);
            return Task.FromResult(etag);
        }
    }

    public Task ClearAsync(GrainId grainId, string stateName, string? expectedEtag, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(stateName);
        cancellationToken.ThrowIfCancellationRequested();
        lock (_lock)
        {
            CheckEtag(grainId, stateName, expectedEtag, "clear");
            _records.Remove((grainId, stateName));
            return Task.CompletedTask;
        }
    }

    private void CheckEtag(GrainId grainId, string stateName, string? expectedEtag, string operation)
    {
        var stored = _records.TryGetValue((grainId, stateName), out var record) ? record.Etag : null;
        if (!string.Equals(stored, expectedEtag, StringComparison.Ordinal))
        {
            throw new InconsistentStateException(
                $"Cannot {operation} state '{stateName}' of grain {grainId}: stored ETag is {stored ?? "(none)"}, the caller's is {expectedEtag ?? "(none)"}.",
                stored,
                expectedEtag);
        }
    }
}
