using OrleansRep.Replication.Messages;

namespace OrleansRep.Replication;

/// <summary>
/// Log records gathered for one BULK_LOG message (Berkeley DB's bulk buffer): consecutive records up to a byte
/// capacity. The owner decides when to send (full, a PERM record joined, a NEWFILE or other message must follow,
/// the request is done); a record that alone exceeds the capacity is never gathered and goes as a plain LOG.
/// </summary>
internal sealed class BulkBatch(int capacityBytes)
{
    private readonly List<LogRecordView> _records = [];

    public int CapacityBytes { get; } = capacityBytes;

    public int Bytes { get; private set; }

    public bool IsEmpty => _records.Count == 0;

    /// <summary>Whether any record gathered is PERM (the message is then PERM).</summary>
    public bool HasPerm { get; private set; }

    /// <summary>Too big to gather: it is sent alone.</summary>
    public bool IsOversize(LogRecordView record) => record.Frame.Length > CapacityBytes;

    /// <summary>Whether <paramref name="record"/> fits in what is left.</summary>
    public bool Fits(LogRecordView record) => Bytes + record.Frame.Length <= CapacityBytes;

    public void Add(LogRecordView record)
    {
        if (IsOversize(record) || !Fits(record))
        {
            throw new InvalidOperationException($"{record} does not fit in a bulk batch holding {Bytes} of {CapacityBytes} bytes");
        }

        _records.Add(record);
        Bytes += record.Frame.Length;
        HasPerm |= record.IsPerm;
    }

    /// <summary>The gathered records as a payload (the batch is empty afterwards).</summary>
    public BulkPayload Take()
    {
        var payload = new BulkPayload(_records.ToArray());
        _records.Clear();
        Bytes = 0;
        HasPerm = false;
        return payload;
    }

    public void Clear()
    {
        _records.Clear();
        Bytes = 0;
        HasPerm = false;
    }
}
