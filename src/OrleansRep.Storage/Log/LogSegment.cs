namespace OrleansRep.Storage.Log;

/// <summary>A buffer of log bytes for one stretch of one log file: appenders fill it past <see cref="LogSegment.Length"/>,
/// the flusher writes it up to what it saw (<see cref="LogSegment.Written"/>).</summary>
internal sealed class LogSegment(uint fileNo, uint offset, byte[] buffer, bool newFile)
{
    public uint FileNo { get; } = fileNo;
    public uint Offset { get; } = offset;
    public byte[] Buffer { get; } = buffer;
    public bool NewFile { get; } = newFile;
    public bool FileCreated { get; set; }

    /// <summary>Bytes appended (grows under the writer's lock).</summary>
    public int Length { get; set; }

    /// <summary>Bytes already written to the file (only the flusher moves it).</summary>
    public int Written { get; set; }
}
