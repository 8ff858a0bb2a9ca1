using OrleansRep.Storage.IO;

namespace OrleansRep.Storage.Backup;

/// <summary>
/// Prepares a home from a backup, offline: checks the manifest, copies every file it lists into the home checking its
/// length and CRC32C on the way, syncs them, then opens each environment once (recovery redoes the backup's log from
/// its checkpoint) and closes it. The home must be absent or empty; on any failure what was copied is removed again.
/// </summary>
public static class BackupRestore
{
    private const int CopyChunk = 1 << 20;

    /// <summary>Restores the backup in <paramref name="from"/> into <paramref name="home"/>.</summary>
    /// <exception cref="BackupManifestException">No sound manifest, or a file missing or damaged; the home is left as it was.</exception>
    /// <exception cref="BackupTargetException">The home is a file or not empty; nothing written.</exception>
    public static IReadOnlyList<RestoredEnvironment> Run(string from, string home, StorageOptions? options = null, IProgress<BackupProgress>? progress = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(from);
        ArgumentNullException.ThrowIfNull(home);
        from = Path.GetFullPath(from);
        home = Path.GetFullPath(home);
        var manifest = BackupManifest.Read(from);
        var created = HotBackup.PrepareTarget(home, "restore home");
        try
        {
            var total = manifest.TotalBytes;
            long copied = 0;
            foreach (var env in manifest.Environments)
            {
                var dir = Path.Combine(home, env.Name);
                Directory.CreateDirectory(dir);
                foreach (var file in env.Files)
                {
                    CopyChecked(from, home, file, n =>
                    {
                        copied += n;
                        progress?.Report(new BackupProgress(env.Name, copied, total));
                    }, cancellationToken);
                }

                OsFileSystem.Instance.SyncDirectory(dir);
            }

            OsFileSystem.Instance.SyncDirectory(home);
            var restored = new List<RestoredEnvironment>();
            foreach (var env in manifest.Environments)
            {
                var dir = Path.Combine(home, env.Name);
                // No checkpoint record from this open: a replica's log is its master's, LSN for LSN, and a restored one
                // must stay a prefix of it so that the site can sync on from its end (the meta page is what recovery uses).
                using var opened = StorageEnvironment.Open(dir, (options ?? new StorageOptions()) with { CheckpointRecords = false });
                var report = opened.RecoveryReport;
                if (report.LogEnd < env.EndLsn)
                {
                    throw new BackupManifestException($"{env.Name}: recovery ended at {report.LogEnd}, before the backup's end {env.EndLsn} (the backup's log is incomplete)");
                }

                using var read = opened.BeginRead();
                restored.Add(new RestoredEnvironment(env.Name, dir, report.RedoFrom, report.LogEnd, report.CommitsReplayed, read.DatabaseNames().ToList(), env.Files.Sum(f => f.Length)));
            }

            return restored;
        }
        catch
        {
            HotBackup.RemoveContents(home, created);
            throw;
        }
    }

    private static long CopyChecked(string from, string home, BackupFile file, Action<long> copied, CancellationToken cancellationToken)
    {
        var source = Path.Combine(from, file.Path);
        if (!File.Exists(source))
        {
            throw new BackupManifestException($"{source} is missing (listed in the manifest)");
        }

        using var input = OsFileSystem.Instance.Open(source, create: false);
        if (input.Length != file.Length)
        {
            throw new BackupManifestException($"{source} is {input.Length} bytes; the manifest says {file.Length}");
        }

        using var output = OsFileSystem.Instance.Open(Path.Combine(home, file.Path), create: true);
        var buffer = new byte[CopyChunk];
        var crc = 0xFFFFFFFFu;
        long offset = 0;
        while (offset < file.Length)
        {
            cancellationToken.ThrowIfCancellationRequested();
            var n = input.Read(offset, buffer.AsSpan(0, (int)Math.Min(buffer.Length, file.Length - offset)));
            if (n <= 0)
            {
                throw new BackupManifestException($"{source} ended early at {offset} bytes");
            }

            crc = Checksum.Append(crc, buffer.AsSpan(0, n));
            output.Write(offset, buffer.AsSpan(0, n));
            offset += n;
            copied(n);
        }

        if ((crc ^ 0xFFFFFFFFu) != file.Crc32C)
        {
            throw new BackupManifestException($"{source}: checksum {crc ^ 0xFFFFFFFFu:x8} does not match the manifest's {file.Crc32C:x8} (the backup is damaged)");
        }

        output.Flush();
        return offset;
    }
}
