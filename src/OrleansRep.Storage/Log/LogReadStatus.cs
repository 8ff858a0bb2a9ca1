namespace OrleansRep.Storage.Log;

/// <summary>What was found at a position of the log.</summary>
internal enum LogReadStatus
{
    /// <summary>A sound record.</summary>
    Record,

    /// <summary>Zeros: the end of the written log in this file (or the end of the file).</summary>
    End,

    /// <summary>A partly written record (zero length field with data after it, length past the file, or a zero sector
    /// inside): what a crash during a write leaves. Only acceptable at the tail of the last file.</summary>
    Torn,

    /// <summary>A well-formed record whose checksum fails, or nonsense in its header: damage, never silently cut.</summary>
    Corrupt,
}
