using OrleansRep.Storage.IO;
using OrleansRep.Storage.Log;
using OrleansRep.Storage.Tree;

namespace OrleansRep.Storage.Tools;

/// <summary>
/// <c>orep db verify</c>: checks an environment home that is not open, page by page and record by record, and
/// reports every finding instead of stopping at the first (as opening does). It reads and never writes; the only
/// file it may create is the environment's lock file, which it holds while it reads so that nobody opens the
/// environment (and checkpoints into the file being walked) meanwhile.
/// </summary>
public static class Verifier
{
    /// <summary>Verifies the environment in <paramref name="home"/>. Damage never throws: it becomes a problem in the
    /// report naming the file and byte offset.</summary>
    public static VerifyReport Run(string home, IFileSystem? fs = null)
    {
        ArgumentNullException.ThrowIfNull(home);
        fs ??= OsFileSystem.Instance;
        var findings = new VerifyFindings();
        try
        {
            Verify(home, fs, findings);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            findings.Problem($"{home}: reading the environment failed, verify stopped: {e.Message}");
        }
#pragma warning disable CA1031 // An operator's diagnostic tool must report, not crash, whatever the damage leads to.
        catch (Exception e)
#pragma warning restore CA1031
        {
            findings.Problem($"{home}: verify stopped on an unexpected error (a bug in verify; the findings before it stand): {e}");
        }

        return new VerifyReport(home, findings);
    }

    private static void Verify(string home, IFileSystem fs, VerifyFindings findings)
    {
        var dataPath = Path.Combine(home, PageStore.FileName);
        var hasData = fs.Exists(dataPath);

        // Check before taking the lock: locking creates the lock file, and a directory that holds no environment
        // should be left exactly as it was.
        if (!hasData && LogReader.ListFiles(fs, home).Count == 0)
        {
            findings.Problem($"{home}: no environment here ({PageStore.FileName} and log files not found)");
            return;
        }

        IDisposable held;
        try
        {
            held = fs.Lock(Path.Combine(home, StorageEnvironment.LockFileName), home);
        }
        catch (EnvironmentLockedException)
        {
            findings.Problem($"{home}: environment is open by another process; verify needs it closed (lock file {StorageEnvironment.LockFileName} is held)");
            return;
        }

        using (held)
        {
            var (meta, fresh) = VerifyDataFile(fs, dataPath, hasData, findings);
            var log = new LogVerifier(fs, home, findings);
            log.Run(meta?.RedoLsn);
            if (!fresh)
            {
                CompareCheckpoints(meta, log.NewestCheckpoint, dataPath, findings);
            }
        }
    }

    /// <summary>The meta opening would use; for a missing or empty data file, the fresh one opening would create.</summary>
    private static (MetaPage? Meta, bool Fresh) VerifyDataFile(IFileSystem fs, string dataPath, bool exists, VerifyFindings findings)
    {
        if (exists)
        {
            using var file = fs.Open(dataPath, create: false);
            if (file.Length > 0)
            {
                return (new DataFileVerifier(file, findings).Run(), false);
            }
        }

        // Opening then creates the data file and replays the whole log: fine if the log is all there, which the log
        // check sees from the zero redo LSN (the log must start at log file 1).
        findings.Note($"{dataPath}: {(exists ? "empty" : "missing")}; opening creates it and replays the whole log from the start");
        return (new MetaPage(0, Lsn.Zero, 0, 2, 0, 0, 0, 0, 0, 0, 0), true);
    }

    /// <summary>The log's checkpoint records against the meta: a newer one means the newer meta page was lost, a
    /// disagreeing one means the data file and the log do not belong together.</summary>
    private static void CompareCheckpoints(MetaPage? meta, (ulong Sequence, Lsn At, Lsn Redo)? logged, string dataPath, VerifyFindings findings)
    {
        if (meta == null || logged is not { } newest)
        {
            return;
        }

        if (newest.Sequence > meta.Sequence)
        {
            findings.Note(
                $"{dataPath}: the log records checkpoint {newest.Sequence} (at {newest.At}) but the newest usable meta page holds checkpoint {meta.Sequence}: " +
                "the newer meta page was lost; opening falls back to the older checkpoint and replays more of the log");
        }
        else if (newest.Sequence == meta.Sequence && newest.Redo != meta.RedoLsn)
        {
            findings.Problem(
                $"{dataPath}: checkpoint {meta.Sequence} has redo LSN {meta.RedoLsn} in the meta page but {newest.Redo} in the log record at {newest.At}; " +
                "the data file and the log may not belong to the same environment");
        }
    }
}
