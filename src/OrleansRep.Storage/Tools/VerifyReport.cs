using System.Globalization;
using System.Text;

namespace OrleansRep.Storage.Tools;

/// <summary>
/// What <see cref="Verifier.Run"/> found in an environment home. <see cref="Problems"/> are damage or inconsistencies
/// that make the environment unsafe to open or serve (each names the file, the byte offset and the page or LSN);
/// <see cref="Notes"/> are things worth knowing that recovery handles on its own (a torn log tail, a fallback to the
/// older meta page, leaked pages). <see cref="Ok"/> is true when there are no problems.
/// </summary>
public sealed class VerifyReport
{
    internal VerifyReport(string home, VerifyFindings findings)
    {
        Home = home;
        Problems = findings.Problems.ToArray();
        Notes = findings.Notes.ToArray();
        Entries = findings.Entries.ToDictionary(e => e.Key, e => e.Value, StringComparer.Ordinal);
        DatabaseNames = findings.Entries.Select(e => e.Key).ToArray();
        PageSize = findings.PageSize;
        PageCount = findings.PageCount;
        CheckpointSequence = findings.CheckpointSequence;
        MetaSlot = findings.MetaSlot;
        RedoLsn = findings.RedoLsn;
        PagesChecked = findings.PagesChecked;
        LeafPages = findings.LeafPages;
        BranchPages = findings.BranchPages;
        OverflowPages = findings.OverflowPages;
        BlobPages = findings.BlobPages;
        FreePages = findings.FreePages;
        LeakedPages = findings.LeakedPages;
        LogFiles = findings.LogFiles;
        LogRecords = findings.LogRecords;
        LogCommits = findings.LogCommits;
        RecordsAfterRedo = findings.RecordsAfterRedo;
        CommitsAfterRedo = findings.CommitsAfterRedo;
        LogStart = findings.LogStart;
        LogEnd = findings.LogEnd;
        Summary = BuildSummary();
    }

    public string Home { get; }

    public bool Ok => Problems.Count == 0;

    public IReadOnlyList<string> Problems { get; }

    public IReadOnlyList<string> Notes { get; }

    /// <summary>Databases of the checkpoint verified, in catalog order.</summary>
    public IReadOnlyList<string> DatabaseNames { get; }

    public int Databases => DatabaseNames.Count;

    /// <summary>Entries found in each database's tree (as of the checkpoint; log records after it are not applied).</summary>
    public IReadOnlyDictionary<string, long> Entries { get; }

    public int PageSize { get; }

    /// <summary>Pages the current checkpoint accounts for (its high-water mark), meta pages included.</summary>
    public ulong PageCount { get; }

    /// <summary>Sequence of the checkpoint verified (the current meta); null when no meta page is sound.</summary>
    public ulong? CheckpointSequence { get; }

    /// <summary>Meta page (0 or 1) holding that checkpoint.</summary>
    public ulong? MetaSlot { get; }

    public Lsn RedoLsn { get; }

    /// <summary>Pages read and checked (checksum, magic, page number, kind), meta pages included.</summary>
    public long PagesChecked { get; }

    public long LeafPages { get; }

    public long BranchPages { get; }

    /// <summary>Overflow pages holding large values.</summary>
    public long OverflowPages { get; }

    /// <summary>Overflow pages holding the checkpoint's catalog and free list.</summary>
    public long BlobPages { get; }

    public long FreePages { get; }

    /// <summary>Pages below the page count that are neither reachable nor free (see the notes).</summary>
    public long LeakedPages { get; }

    public int LogFiles { get; }

    /// <summary>Sound log records, from the first record of the oldest file to the end.</summary>
    public long LogRecords { get; }

    public long LogCommits { get; }

    /// <summary>Records at or after the redo LSN: what opening the environment would scan.</summary>
    public long RecordsAfterRedo { get; }

    public long CommitsAfterRedo { get; }

    public Lsn LogStart { get; }

    /// <summary>Just past the last sound record (where a torn tail, if any, starts).</summary>
    public Lsn LogEnd { get; }

    /// <summary>Multi-line human-readable account of everything above.</summary>
    public string Summary { get; }

    public override string ToString() => Summary;

    private string BuildSummary()
    {
        var c = CultureInfo.InvariantCulture;
        var s = new StringBuilder();
        s.AppendLine(c, $"verify {Home}: {(Ok ? "OK" : $"{Problems.Count} problem(s)")}, {Notes.Count} note(s)");
        if (CheckpointSequence is { } sequence)
        {
            s.AppendLine(c, $"data file: page size {PageSize}, {PageCount} pages; checkpoint {sequence} in meta page {MetaSlot}, redo from {RedoLsn}");
        }
        else
        {
            s.AppendLine("data file: no usable checkpoint");
        }

        s.AppendLine(c, $"pages checked: {PagesChecked} (leaf {LeafPages}, branch {BranchPages}, overflow {OverflowPages}, catalog/free-list {BlobPages}); free {FreePages}; leaked {LeakedPages}");
        s.AppendLine(c, $"databases: {Databases}");
        foreach (var name in DatabaseNames)
        {
            s.AppendLine(c, $"  {name}: {Entries[name]} entries");
        }

        s.AppendLine(c, $"log: {LogFiles} file(s), {LogRecords} records ({LogCommits} commits) from {LogStart} to {LogEnd}; {RecordsAfterRedo} records ({CommitsAfterRedo} commits) from the redo LSN on");
        foreach (var problem in Problems)
        {
            s.AppendLine(c, $"PROBLEM: {problem}");
        }

        foreach (var note in Notes)
        {
            s.AppendLine(c, $"note: {note}");
        }

        return s.ToString();
    }
}
