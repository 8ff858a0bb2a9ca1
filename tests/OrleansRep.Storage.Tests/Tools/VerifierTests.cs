using System.Buffers.Binary;
using System.Security.Cryptography;
using OrleansRep.Storage.IO;
using OrleansRep.Storage.Log;
using OrleansRep.Storage.Tests.Support;
using OrleansRep.Storage.Tools;
using OrleansRep.Storage.Tree;
using Xunit.Abstractions;

namespace OrleansRep.Storage.Tests.Tools;

public sealed class VerifierTests(VerifierFixture fixture, ITestOutputHelper output) : IClassFixture<VerifierFixture>, IDisposable
{
    private const int PageSize = 16 << 10;

    private readonly TemporaryDirectory _scratch = new("orep-verify-");

    [Fact]
    public void Closed_environment_is_ok_with_exact_counts()
    {
        var report = Verify(fixture.Closed);

        Assert.True(report.Ok, report.Summary);
        Assert.Empty(report.Problems);
        Assert.Empty(report.Notes);
        Assert.Equal(["alpha", "beta"], report.DatabaseNames);
        Assert.Equal(2, report.Databases);
        Assert.Equal(fixture.Final["alpha"], report.Entries["alpha"]);
        Assert.Equal(fixture.Final["beta"], report.Entries["beta"]);
        Assert.Equal(2UL, report.CheckpointSequence);
        Assert.Equal(0UL, report.MetaSlot);
        Assert.Equal(PageSize, report.PageSize);

        // Every page is accounted for: two metas, trees, large values, the checkpoint's blobs, the free list.
        Assert.True(report.LeafPages > 10 && report.BranchPages > 0 && report.OverflowPages > 0 && report.BlobPages > 0, report.Summary);
        Assert.Equal(0, report.LeakedPages);
        Assert.Equal((ulong)new FileInfo(Path.Combine(fixture.Closed, "orep.db")).Length / PageSize, report.PageCount);
        Assert.Equal(2 + report.LeafPages + report.BranchPages + report.OverflowPages + report.BlobPages, report.PagesChecked);
        Assert.Equal((long)report.PageCount, report.PagesChecked + report.FreePages);

        var files = LogReader.ListFiles(OsFileSystem.Instance, fixture.Closed);
        Assert.True(files.Count >= 4, $"the workload should span several log files, got {files.Count}");
        Assert.Equal(files.Count, report.LogFiles);
        Assert.Equal(Records(fixture.Closed).Count, report.LogRecords);
        Assert.Equal(0, report.CommitsAfterRedo);

        foreach (var expected in new[]
        {
            $"alpha: {fixture.Final["alpha"]} entries", $"beta: {fixture.Final["beta"]} entries", $"leaf {report.LeafPages}",
            $"branch {report.BranchPages}", $"overflow {report.OverflowPages}", $"free {report.FreePages}",
            $"{report.LogFiles} file(s), {report.LogRecords} records", $"pages checked: {report.PagesChecked}",
        })
        {
            Assert.Contains(expected, report.Summary, StringComparison.Ordinal);
        }
    }

    [Fact]
    public void Crash_image_is_ok_and_counts_the_checkpoint_with_the_log_to_redo()
    {
        var report = Verify(fixture.CrashImage);

        Assert.True(report.Ok, report.Summary);
        Assert.Equal(1UL, report.CheckpointSequence);
        Assert.Equal(fixture.AtCheckpoint["alpha"], report.Entries["alpha"]);
        Assert.Equal(fixture.AtCheckpoint["beta"], report.Entries["beta"]);
        Assert.Equal(0, report.LeakedPages);
        Assert.Equal(45, report.CommitsAfterRedo);
    }

    [Fact]
    public void Verify_changes_nothing_in_the_home()
    {
        var home = Copy(fixture.Closed);
        var before = Fingerprint(home);

        Assert.True(Verify(home).Ok);

        Assert.Equal(before, Fingerprint(home));
    }

    [Fact]
    public void Flipped_bit_in_a_leaf_page_is_a_problem_at_that_page()
    {
        var home = Copy(fixture.Closed);
        var leaf = ReachableLeaf(home, "alpha");
        FlipBit(Path.Combine(home, "orep.db"), ((long)leaf * PageSize) + 200);

        var report = Verify(home);

        Assert.False(report.Ok);
        var problem = Assert.Single(report.Problems);
        Assert.Contains($"{Path.Combine(home, "orep.db")} at offset {(long)leaf * PageSize} (page {leaf}, leaf of database 'alpha')", problem, StringComparison.Ordinal);
        Assert.Contains("checksum mismatch", problem, StringComparison.Ordinal);

        // The damaged leaf's entries cannot be counted; the other database is whole.
        Assert.True(report.Entries["alpha"] < fixture.Final["alpha"]);
        Assert.Equal(fixture.Final["beta"], report.Entries["beta"]);
    }

    [Fact]
    public void Flipped_bit_in_the_middle_of_the_log_is_a_problem_at_that_record_even_before_the_redo_point()
    {
        var home = Copy(fixture.Closed);
        var records = Records(home);
        var victim = records[records.Count / 2];
        var path = Path.Combine(home, LogFormat.FileName(victim.Lsn.File));
        FlipBit(path, victim.Lsn.Offset + LogFormat.RecordHeaderSize + (victim.Payload.Length / 2));

        var report = Verify(home);

        Assert.False(report.Ok);
        var problem = Assert.Single(report.Problems);
        Assert.Contains($"{path} at offset {victim.Lsn.Offset} (LSN {victim.Lsn})", problem, StringComparison.Ordinal);
        Assert.Contains("record checksum mismatch", problem, StringComparison.Ordinal);

        // Opening reads only from the redo LSN (the end, after close), so it does not see this record.
        using var env = StorageEnvironment.Open(home, VerifierFixture.Options);
    }

    [Fact]
    public void Flipped_bit_in_the_log_to_redo_is_reported_by_verify_and_stops_open_naming_the_same_file()
    {
        var home = Copy(fixture.CrashImage);
        var redo = CurrentMeta(home).RedoLsn;
        var toRedo = Records(home).Where(r => r.Lsn >= redo).ToList();
        var victim = toRedo[toRedo.Count / 2];
        var path = Path.Combine(home, LogFormat.FileName(victim.Lsn.File));
        FlipBit(path, victim.Lsn.Offset + LogFormat.RecordHeaderSize + (victim.Payload.Length / 2));

        var report = Verify(home);

        Assert.False(report.Ok);
        var problem = Assert.Single(report.Problems);
        Assert.Contains($"{path} at offset {victim.Lsn.Offset} (LSN {victim.Lsn})", problem, StringComparison.Ordinal);
        Assert.Contains("record checksum mismatch", problem, StringComparison.Ordinal);

        var e = Assert.Throws<CorruptionException>(() => StorageEnvironment.Open(home, VerifierFixture.Options));
        Assert.Equal(path, e.File);
        Assert.Equal(victim.Lsn.Offset, e.Offset);
        Assert.Contains("orep db verify", e.Message, StringComparison.Ordinal);
        Assert.Contains(path, e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Last_log_file_cut_mid_record_is_a_torn_tail_note_and_still_ok()
    {
        var home = Copy(fixture.Closed);
        var last = Records(home)[^1];
        var path = Path.Combine(home, LogFormat.FileName(last.Lsn.File));
        using (var file = File.OpenWrite(path))
        {
            file.SetLength(last.Lsn.Offset + LogFormat.RecordHeaderSize + 8);
        }

        var report = Verify(home);

        Assert.True(report.Ok, report.Summary);
        var note = Assert.Single(report.Notes);
        Assert.Contains($"{path} at offset {last.Lsn.Offset} (LSN {last.Lsn}): torn tail at {last.Lsn}, {LogFormat.RecordHeaderSize + 8} bytes", note, StringComparison.Ordinal);
        Assert.Contains("recovery will cut it", note, StringComparison.Ordinal);
        Assert.Equal(last.Lsn, report.LogEnd);
        Assert.Equal(fixture.Final["alpha"], report.Entries["alpha"]);

        using var env = StorageEnvironment.Open(home, VerifierFixture.Options);
        Assert.Equal(last.Lsn, env.RecoveryReport.TornTailAt);
    }

    [Fact]
    public void Missing_middle_log_file_is_a_problem_naming_it()
    {
        var home = Copy(fixture.Closed);
        var files = LogReader.ListFiles(OsFileSystem.Instance, home);
        var missing = files[files.Count / 2];
        var path = Path.Combine(home, LogFormat.FileName(missing));
        File.Delete(path);

        var report = Verify(home);

        Assert.False(report.Ok);
        var problem = Assert.Single(report.Problems);
        Assert.StartsWith($"{path}: missing: {LogFormat.FileName(missing)} between {LogFormat.FileName(missing - 1)} and {LogFormat.FileName(missing + 1)}", problem, StringComparison.Ordinal);
        Assert.Contains("recovery does not need it", problem, StringComparison.Ordinal);
        Assert.Equal(files.Count - 1, report.LogFiles);
    }

    [Fact]
    public void Missing_log_file_that_recovery_needs_is_a_problem_and_stops_open()
    {
        var home = Copy(fixture.CrashImage);
        var redo = CurrentMeta(home).RedoLsn;
        var files = LogReader.ListFiles(OsFileSystem.Instance, home);
        var missing = files.First(f => f > redo.File && f < files[^1]);
        var path = Path.Combine(home, LogFormat.FileName(missing));
        File.Delete(path);

        var report = Verify(home);

        Assert.False(report.Ok);
        var problem = Assert.Single(report.Problems);
        Assert.StartsWith($"{path}: missing", problem, StringComparison.Ordinal);
        Assert.Contains("recovery needs it", problem, StringComparison.Ordinal);
        var e = Assert.Throws<CorruptionException>(() => StorageEnvironment.Open(home, VerifierFixture.Options));
        Assert.Equal(path, e.File);
    }

    [Fact]
    public void Damaged_current_meta_page_falls_back_to_the_older_checkpoint_with_notes()
    {
        var home = Copy(fixture.Closed);
        FlipBit(Path.Combine(home, "orep.db"), 100);

        var report = Verify(home);

        Assert.True(report.Ok, report.Summary);
        Assert.Equal(1UL, report.CheckpointSequence);
        Assert.Equal(1UL, report.MetaSlot);
        Assert.Equal(fixture.AtCheckpoint["alpha"], report.Entries["alpha"]);
        Assert.Equal(fixture.AtCheckpoint["beta"], report.Entries["beta"]);
        Assert.Contains(report.Notes, n => n.StartsWith($"{Path.Combine(home, "orep.db")} at offset 0 (meta page 0): unusable (page checksum mismatch); using checkpoint 1 from meta page 1", StringComparison.Ordinal));
        Assert.Contains(report.Notes, n => n.Contains("the log records checkpoint 2", StringComparison.Ordinal));
        Assert.True(report.CommitsAfterRedo > 0);
    }

    [Fact]
    public void Damaged_older_meta_page_is_a_note()
    {
        var home = Copy(fixture.Closed);
        FlipBit(Path.Combine(home, "orep.db"), PageSize + 100);

        var report = Verify(home);

        Assert.True(report.Ok, report.Summary);
        Assert.Equal(2UL, report.CheckpointSequence);
        Assert.Equal(fixture.Final["alpha"], report.Entries["alpha"]);
        var note = Assert.Single(report.Notes);
        Assert.StartsWith($"{Path.Combine(home, "orep.db")} at offset {PageSize} (meta page 1): unusable (page checksum mismatch); using checkpoint 2 from meta page 0", note, StringComparison.Ordinal);
    }

    [Fact]
    public void Both_meta_pages_damaged_is_a_problem_and_stops_open()
    {
        var home = Copy(fixture.Closed);
        var data = Path.Combine(home, "orep.db");
        FlipBit(data, 100);
        FlipBit(data, PageSize + 100);

        var report = Verify(home);

        Assert.False(report.Ok);
        var problem = Assert.Single(report.Problems);
        Assert.Contains($"{data} at offset 0 (meta page 0): page checksum mismatch", problem, StringComparison.Ordinal);
        Assert.Contains($"{data} at offset {PageSize} (meta page 1): page checksum mismatch", problem, StringComparison.Ordinal);
        Assert.Null(report.CheckpointSequence);
        var e = Assert.Throws<CorruptionException>(() => StorageEnvironment.Open(home, VerifierFixture.Options));
        Assert.Equal(data, e.File);
    }

    [Fact]
    public void Data_file_shorter_than_its_page_count_is_a_problem()
    {
        var home = Copy(fixture.Closed);
        var data = Path.Combine(home, "orep.db");
        var pages = new FileInfo(data).Length / PageSize;
        using (var file = File.OpenWrite(data))
        {
            file.SetLength((pages - 3) * PageSize);
        }

        var report = Verify(home);

        Assert.False(report.Ok);
        Assert.Contains(report.Problems, p => p.StartsWith($"{data} at offset {(pages - 3) * PageSize} (end of file): the file has {pages - 3} whole pages but checkpoint 2 accounts for {pages}", StringComparison.Ordinal));
    }

    [Fact]
    public void Page_neither_reachable_nor_free_is_a_leak_note()
    {
        var home = Copy(fixture.Closed);
        ulong dropped = 0;
        RewriteFreeList(home, free =>
        {
            dropped = free[^1];
            return free.SkipLast(1);
        });

        var report = Verify(home);

        Assert.True(report.Ok, report.Summary);
        Assert.Equal(1, report.LeakedPages);
        Assert.Contains($"{Path.Combine(home, "orep.db")}: 1 pages leaked (neither reachable nor free): {dropped}. ", Assert.Single(report.Notes), StringComparison.Ordinal);
        Assert.Equal(fixture.Final["alpha"], report.Entries["alpha"]);
    }

    [Fact]
    public void Reachable_page_in_the_free_list_is_a_problem()
    {
        var home = Copy(fixture.Closed);
        var leaf = ReachableLeaf(home, "beta");
        RewriteFreeList(home, free => free.Append(leaf).Order());

        var report = Verify(home);

        Assert.False(report.Ok);
        var problem = Assert.Single(report.Problems);
        Assert.Contains($"page {leaf} is used twice: as an entry of the free list and as a page of database 'beta'", problem, StringComparison.Ordinal);
    }

    [Fact]
    public void Environment_without_a_checkpoint_yet_is_ok_and_needs_the_first_log_file()
    {
        var home = Path.Combine(_scratch.Path, "fresh");
        var image = Path.Combine(_scratch.Path, "fresh-image");
        using (var env = StorageEnvironment.Open(home, VerifierFixture.Options with { LogFileSize = 64 << 10 }))
        {
            var db = env.OpenDatabase("d", create: true);
            for (var t = 0; t < 5; t++)
            {
                using var txn = env.BeginWrite();
                for (var i = 0; i < 50; i++)
                {
                    txn.Put(db, VerifierFixture.Key((t * 50) + i), new byte[700]);
                }

                txn.Commit();
            }

            env.Flush();
            VerifierFixture.CopyHome(home, image);
        }

        var report = Verify(image);
        Assert.True(report.Ok, report.Summary);
        Assert.Equal(0UL, report.CheckpointSequence);
        Assert.Equal(0, report.Databases);
        Assert.Equal(6, report.CommitsAfterRedo);
        Assert.True(report.LogFiles > 2);

        var first = Path.Combine(image, LogFormat.FileName(1));
        File.Delete(first);
        report = Verify(image);
        Assert.False(report.Ok);
        Assert.StartsWith($"{first} at offset 32 (LSN [1][32]): log needed for recovery from [1][32] is missing", Assert.Single(report.Problems), StringComparison.Ordinal);
    }

    [Fact]
    public void Ops_records_without_their_commit_are_a_note_at_the_end_and_a_problem_before_another_commit()
    {
        // A large transaction (Ops record, then Commit) whose Commit a crash kept off the disk.
        var home = Path.Combine(_scratch.Path, "big");
        var image = Path.Combine(_scratch.Path, "big-image");
        uint dbId;
        using (var env = StorageEnvironment.Open(home, VerifierFixture.Options))
        {
            var db = env.OpenDatabase("d", create: true);
            dbId = db.Id;
            env.Checkpoint();
            using var txn = env.BeginWrite();
            for (var i = 0; i < 1500; i++)
            {
                txn.Put(db, VerifierFixture.Key(i), new byte[1000]);
            }

            txn.Commit();
            env.Flush();
            VerifierFixture.CopyHome(home, image);
        }

        var commit = Records(image)[^1];
        var ops = Records(image)[^2];
        var path = Path.Combine(image, LogFormat.FileName(commit.Lsn.File));
        using (var file = File.OpenWrite(path))
        {
            file.SetLength(commit.Lsn.Offset);
        }

        var report = Verify(image);
        Assert.True(report.Ok, report.Summary);
        var opsPath = Path.Combine(image, LogFormat.FileName(ops.Lsn.File));
        Assert.Contains(
            $"{opsPath} at offset {ops.Lsn.Offset} (LSN {ops.Lsn}): 1 Ops record(s) of transaction {ops.TxnId} at the end of the log have no Commit (a crash during a large commit); recovery cuts them",
            Assert.Single(report.Notes),
            StringComparison.Ordinal);

        // What an engine that left them there would write next: a small commit right after them.
        var op = new byte[TxnOp.EncodedSize(TxnOpKind.Put, 1, null, 1)];
        TxnOp.Encode(op, TxnOpKind.Put, dbId, "x"u8, default, false, "1"u8);
        var lastLength = commit.Lsn.File == ops.Lsn.File ? ops.Length : 0;
        using (var log = new LogWriter(OsFileSystem.Instance, image, 10 << 20, 1 << 20, commit.Lsn, lastLength))
        {
            log.Append(LogRecordType.Commit, 0, ops.TxnId, Lsn.Zero, op);
            log.FlushAll();
        }

        report = Verify(image);
        Assert.False(report.Ok);
        Assert.Contains(
            $"{path} at offset {commit.Lsn.Offset} (LSN {commit.Lsn}): Commit of transaction {ops.TxnId} follows 1 Ops record(s) from {ops.Lsn} that are not part of it",
            Assert.Single(report.Problems),
            StringComparison.Ordinal);
    }

    [Fact]
    public void Open_environment_is_refused_and_verified_once_closed()
    {
        var home = Copy(fixture.Closed);
        using (StorageEnvironment.Open(home, VerifierFixture.Options))
        {
            var report = Verify(home);
            Assert.False(report.Ok);
            Assert.Contains("environment is open by another process; verify needs it closed", Assert.Single(report.Problems), StringComparison.Ordinal);
        }

        Assert.True(Verify(home).Ok);
    }

    [Fact]
    public void Directory_without_an_environment_is_a_problem_and_stays_empty()
    {
        var report = Verify(_scratch.Path);

        Assert.False(report.Ok);
        Assert.Contains("no environment here", Assert.Single(report.Problems), StringComparison.Ordinal);
        Assert.Empty(Directory.GetFileSystemEntries(_scratch.Path));
    }

    [Fact]
    public void Works_through_the_file_system_seam()
    {
        var fs = new MemoryFileSystem();
        using (var env = StorageEnvironment.Open("/env", VerifierFixture.Options, fs))
        {
            var db = env.OpenDatabase("m", create: true);
            using var txn = env.BeginWrite();
            for (var i = 0; i < 500; i++)
            {
                txn.Put(db, VerifierFixture.Key(i), new byte[i % 50 == 0 ? 9000 : 40]);
            }

            txn.Commit();
        }

        var report = Verifier.Run("/env", fs);

        Assert.True(report.Ok, report.Summary);
        Assert.Equal(500, report.Entries["m"]);
    }

    public static TheoryData<int> DamageSeeds() => [.. Enumerable.Range(1, 8)];

    [Theory]
    [MemberData(nameof(DamageSeeds))]
    public void Damage_of_any_kind_is_reported_never_thrown(int seed)
    {
        var pristine = Directory.GetFiles(fixture.Closed)
            .Where(f => Path.GetFileName(f) != StorageEnvironment.LockFileName)
            .ToDictionary(f => Path.GetFileName(f), File.ReadAllBytes);
        var random = new Random(seed);
        for (var round = 0; round < 15; round++)
        {
            var files = pristine.ToDictionary(e => e.Key, e => e.Value.ToArray());
            var done = Enumerable.Range(0, random.Next(1, 4)).Select(_ => HomeDamage.Apply(files, random)).ToList();
            var fs = new MemoryFileSystem();
            fs.CreateDirectory("/home");
            foreach (var (name, bytes) in files)
            {
                using var file = fs.Open("/home/" + name, create: true);
                file.Write(0, bytes);
            }

            var report = Verifier.Run("/home", fs);

            Assert.DoesNotContain(report.Problems, p => p.Contains("unexpected error", StringComparison.Ordinal));
            Assert.False(string.IsNullOrEmpty(report.Summary), string.Join("; ", done));
        }
    }

    private VerifyReport Verify(string home)
    {
        var report = Verifier.Run(home);
        output.WriteLine(report.Summary);
        return report;
    }

    private string Copy(string home)
    {
        var to = Path.Combine(_scratch.Path, "home");
        VerifierFixture.CopyHome(home, to);
        return to;
    }

    private static List<LogRecord> Records(string home)
    {
        using var reader = new LogReader(OsFileSystem.Instance, home);
        return reader.Forward(Lsn.Zero).ToList();
    }

    private static MetaPage CurrentMeta(string home)
    {
        using var file = OsFileSystem.Instance.Open(Path.Combine(home, "orep.db"), create: false);
        using var store = new PageStore(file, PageSize);
        var (m0, _) = store.ReadMeta(0);
        var (m1, _) = store.ReadMeta(1);
        return m0 == null ? m1! : m1 == null || m0.Sequence > m1.Sequence ? m0 : m1;
    }

    /// <summary>A leaf of <paramref name="database"/>'s tree in the current checkpoint (not a free page that once was a leaf).</summary>
    private static ulong ReachableLeaf(string home, string database)
    {
        var meta = CurrentMeta(home);
        using var file = OsFileSystem.Instance.Open(Path.Combine(home, "orep.db"), create: false);
        using var store = new PageStore(file, PageSize) { PageCount = meta.PageCount };
        var (catalog, _) = store.ReadChain(meta.CatalogPage, meta.CatalogBytes);
        var (_, _, page, level) = Checkpointer.DecodeCatalog(catalog).Roots.Single(r => r.Name == database);
        for (; level > 0; level--)
        {
            var (_, children) = store.ReadBranch(page, level);
            page = children[children.Length / 2];
        }

        return page;
    }

    /// <summary>Rewrites the current checkpoint's free list in place (same chain pages), resealing pages and meta.</summary>
    private static void RewriteFreeList(string home, Func<List<ulong>, IEnumerable<ulong>> change)
    {
        var meta = CurrentMeta(home);
        using var file = OsFileSystem.Instance.Open(Path.Combine(home, "orep.db"), create: false);
        using var store = new PageStore(file, PageSize) { PageCount = meta.PageCount };
        var (bytes, pages) = store.ReadChain(meta.FreeListPage, meta.FreeListBytes);
        var free = Enumerable.Range(0, bytes.Length / 8).Select(i => BinaryPrimitives.ReadUInt64LittleEndian(bytes.AsSpan(i * 8))).ToList();
        var changed = change(free).ToArray();
        var data = new byte[changed.Length * 8];
        for (var i = 0; i < changed.Length; i++)
        {
            BinaryPrimitives.WriteUInt64LittleEndian(data.AsSpan(i * 8), changed[i]);
        }

        Assert.Equal(pages.Length, store.Layout.OverflowPages(data.Length));
        store.WriteChain(data, pages, new byte[PageSize]);
        store.WriteMeta(meta with { FreeListBytes = data.Length });
    }

    private static void FlipBit(string path, long offset, int bit = 3)
    {
        using var file = new FileStream(path, FileMode.Open, FileAccess.ReadWrite);
        file.Position = offset;
        var b = file.ReadByte();
        file.Position = offset;
        file.WriteByte((byte)(b ^ (1 << bit)));
    }

    private static Dictionary<string, string> Fingerprint(string home) =>
        Directory.GetFiles(home)
            .Where(f => Path.GetFileName(f) != StorageEnvironment.LockFileName)
            .ToDictionary(f => Path.GetFileName(f), f => Convert.ToHexString(SHA256.HashData(File.ReadAllBytes(f))));

    public void Dispose() => _scratch.Dispose();
}
