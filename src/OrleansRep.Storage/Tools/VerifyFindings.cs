namespace OrleansRep.Storage.Tools;

/// <summary>
/// What a verify run has found so far: problems, notes and counts. The data-file and log checkers write into one
/// instance; <see cref="VerifyReport"/> is the frozen result. Mutable and single-threaded on purpose: verify walks
/// one file at a time.
/// </summary>
internal sealed class VerifyFindings
{
    public List<string> Problems { get; } = [];

    public List<string> Notes { get; } = [];

    /// <summary>Entries per database, in catalog order.</summary>
    public List<KeyValuePair<string, long>> Entries { get; } = [];

    public int PageSize { get; set; }

    public ulong PageCount { get; set; }

    public ulong? CheckpointSequence { get; set; }

    public ulong? MetaSlot { get; set; }

    public Lsn RedoLsn { get; set; }

    public long PagesChecked { get; set; }

    public long LeafPages { get; set; }

    public long BranchPages { get; set; }

    public long OverflowPages { get; set; }

    public long BlobPages { get; set; }

    public long FreePages { get; set; }

    public long LeakedPages { get; set; }

    public int LogFiles { get; set; }

    public long LogRecords { get; set; }

    public long LogCommits { get; set; }

    public long RecordsAfterRedo { get; set; }

    public long CommitsAfterRedo { get; set; }

    public Lsn LogStart { get; set; }

    public Lsn LogEnd { get; set; }

    public void Problem(string text) => Problems.Add(text);

    public void Note(string text) => Notes.Add(text);

    /// <summary>The one way a finding names a place: the file's path and the byte offset, then what is there.</summary>
    public static string At(string path, long offset, string what) => $"{path} at offset {offset} ({what})";
}
