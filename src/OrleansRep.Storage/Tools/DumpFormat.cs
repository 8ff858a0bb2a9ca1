namespace OrleansRep.Storage.Tools;

/// <summary>How the key and value lines of a Berkeley DB dump encode their bytes (the header's <c>format=</c> line).</summary>
public enum DumpFormat
{
    /// <summary>
    /// <c>format=print</c>, written by <c>db_dump -p</c>: printable ASCII as is, a backslash doubled, every other
    /// byte as a backslash and two lowercase hex digits.
    /// </summary>
    Print,

    /// <summary><c>format=bytevalue</c>, written by <c>db_dump</c> without <c>-p</c>: every byte as two lowercase hex digits.</summary>
    ByteValue,
}
