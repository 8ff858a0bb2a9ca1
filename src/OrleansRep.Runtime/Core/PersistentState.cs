using System.Text.Json;

namespace OrleansRep.Runtime.Core;

/// <summary>
/// <see cref="IPersistentState{TState}"/> over an <see cref="IGrainStorage"/>, serializing the state as JSON
/// (state access is off the hot path; a provider sees only bytes). A failed write or clear leaves
/// <see cref="State"/>, <see cref="Etag"/> and <see cref="RecordExists"/> as they were.
/// </summary>
internal sealed class PersistentState<TState> : IPersistentState<TState> where TState : new()
{
    private readonly GrainId _grainId;
    private readonly string _stateName;
    private readonly IGrainStorage _storage;

    public PersistentState(GrainId grainId, string stateName, IGrainStorage storage)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(stateName);
        ArgumentNullException.ThrowIfNull(storage);
        _grainId = grainId;
        _stateName = stateName;
        _storage = storage;
    }

    public TState State { get; set; } = new();

    public string? Etag { get; private set; }

    public bool RecordExists { get; private set; }

    public async Task ReadStateAsync(CancellationToken cancellationToken = default)
    {
        var record = await _storage.ReadAsync(_grainId, _stateName, cancellationToken).ConfigureAwait(false);
        State = record is null ? new TState() : JsonSerializer.Deserialize<TState>(record.Data.Span) ?? new TState();
        Etag = record?.Etag;
        RecordExists = record is not null;
    }

    public async Task WriteStateAsync(CancellationToken cancellationToken = default)
    {
        var data = JsonSerializer.SerializeToUtf8Bytes(State);
        Etag = await _storage.WriteAsync(_grainId, _stateName, data, Etag, cancellationToken).ConfigureAwait(false);
        RecordExists = true;
    }

    public async Task ClearStateAsync(CancellationToken cancellationToken = default)
    {
        await _storage.ClearAsync(_grainId, _stateName, Etag, cancellationToken).ConfigureAwait(false);
        State = new TState();
        Etag = null;
        RecordExists = false;
    }
}
