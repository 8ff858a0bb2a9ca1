namespace OrleansRep.Storage.Tools;

/// <summary>
/// A Berkeley DB dump could not be read because its text breaks the format <c>db_load</c> expects. The message starts
/// with the 1-based line number so the line can be found with an editor.
/// </summary>
public sealed class DumpFormatException(int lineNumber, string detail)
    : StorageException($"dump line {lineNumber}: {detail}")
{
    /// <summary>1-based line of the input where the problem was found.</summary>
    public int LineNumber { get; } = lineNumber;

    public string Detail { get; } = detail;
}
