using System.Buffers.Binary;
using System.Globalization;
using System.Text;
using OrleansRep.Storage.IO;

namespace OrleansRep.Storage.Backup;

/// <summary>
/// The last file a backup writes (<see cref="FileName"/>): what the backup holds, each file with its length and
/// CRC32C. A backup directory without a sound manifest is not a backup (it failed or is still being written), and a
/// restore refuses it. Layout:
/// <code>
/// 0 u64 magic "ORBKMAN1" | 8 u32 format version | 12 u32 body length | 16 body (UTF-8 lines) | u32 crc32c of all before
/// body:  created &lt;unix ms&gt;
///        source &lt;text&gt;
///        env &lt;name&gt; &lt;redo F/O&gt; &lt;end F/O&gt;      (then that environment's files)
///        file &lt;relative path&gt; &lt;length&gt; &lt;crc32c hex&gt;
/// </code>
/// Written to a temporary name, synced, then renamed into place and the directory synced: it appears whole or not at all.
/// </summary>
public sealed record BackupManifest(DateTimeOffset Created, string Source, IReadOnlyList<BackupEnvironment> Environments)
{
    public const string FileName = "orep-backup.manifest";
    public const ulong Magic = 0x314E_414D_4B42_524F; // "ORBKMAN1"
    public const uint FormatVersion = 1;
    private const int HeaderSize = 16;
    private const int MaxBytes = 16 << 20;

    /// <summary>Every file the backup holds.</summary>
    public long TotalBytes => Environments.Sum(e => e.Files.Sum(f => f.Length));

    public byte[] Encode()
    {
        var body = new StringBuilder();
        body.Append(CultureInfo.InvariantCulture, $"created {Created.ToUnixTimeMilliseconds()}\n");
        body.Append(CultureInfo.InvariantCulture, $"source {Source.Replace('\n', ' ')}\n");
        foreach (var env in Environments)
        {
            body.Append(CultureInfo.InvariantCulture, $"env {env.Name} {env.RedoLsn.File}/{env.RedoLsn.Offset} {env.EndLsn.File}/{env.EndLsn.Offset}\n");
            foreach (var file in env.Files)
            {
                body.Append(CultureInfo.InvariantCulture, $"file {file.Path} {file.Length} {file.Crc32C:x8}\n");
            }
        }

        var text = Encoding.UTF8.GetBytes(body.ToString());
        var bytes = new byte[HeaderSize + text.Length + 4];
        BinaryPrimitives.WriteUInt64LittleEndian(bytes, Magic);
        BinaryPrimitives.WriteUInt32LittleEndian(bytes.AsSpan(8), FormatVersion);
        BinaryPrimitives.WriteInt32LittleEndian(bytes.AsSpan(12), text.Length);
        text.CopyTo(bytes.AsSpan(HeaderSize));
        BinaryPrimitives.WriteUInt32LittleEndian(bytes.AsSpan(HeaderSize + text.Length), Checksum.Crc32C(bytes.AsSpan(0, HeaderSize + text.Length)));
        return bytes;
    }

    /// <summary>Decodes a manifest; <see cref="BackupManifestException"/> saying what is wrong when it is not sound.</summary>
    public static BackupManifest Decode(ReadOnlySpan<byte> bytes, string where)
    {
        if (bytes.Length < HeaderSize + 4 || BinaryPrimitives.ReadUInt64LittleEndian(bytes) != Magic)
        {
            throw new BackupManifestException($"{where} is not a backup manifest (bad magic or too short)");
        }

        var version = BinaryPrimitives.ReadUInt32LittleEndian(bytes[8..]);
        if (version != FormatVersion)
        {
            throw new BackupManifestException($"{where} has format version {version}; this orep reads version {FormatVersion}");
        }

        var length = BinaryPrimitives.ReadInt32LittleEndian(bytes[12..]);
        if (length < 0 || HeaderSize + (long)length + 4 != bytes.Length)
        {
            throw new BackupManifestException($"{where}: body length {length} does not match the file's {bytes.Length} bytes");
        }

        if (Checksum.Crc32C(bytes[..(HeaderSize + length)]) != BinaryPrimitives.ReadUInt32LittleEndian(bytes[(HeaderSize + length)..]))
        {
            throw new BackupManifestException($"{where}: checksum mismatch (the manifest is damaged)");
        }

        return Parse(Encoding.UTF8.GetString(bytes.Slice(HeaderSize, length)), where);
    }

    private static BackupManifest Parse(string body, string where)
    {
        DateTimeOffset? created = null;
        string? source = null;
        var environments = new List<BackupEnvironment>();
        (string Name, Lsn Redo, Lsn End, List<BackupFile> Files)? current = null;
        var lineNo = 0;
        foreach (var line in body.Split('\n', StringSplitOptions.RemoveEmptyEntries))
        {
            lineNo++;
            var bad = new BackupManifestException($"{where}: line {lineNo} is malformed: '{line}'");
            var space = line.IndexOf(' ', StringComparison.Ordinal);
            var (tag, rest) = space < 0 ? (line, "") : (line[..space], line[(space + 1)..]);
            var parts = rest.Split(' ');
            switch (tag)
            {
                case "created" when long.TryParse(rest, NumberStyles.None, CultureInfo.InvariantCulture, out var ms):
                    created = DateTimeOffset.FromUnixTimeMilliseconds(ms);
                    break;
                case "source":
                    source = rest;
                    break;
                case "env" when parts.Length == 3 && IsName(parts[0]) && Lsn.TryParse(parts[1], out var redo) && Lsn.TryParse(parts[2], out var end):
                    Close();
                    current = (parts[0], redo, end, []);
                    break;
                case "file" when current is { } env && parts.Length == 3 && IsFilePath(parts[0], env.Name)
                    && long.TryParse(parts[1], NumberStyles.None, CultureInfo.InvariantCulture, out var length)
                    && uint.TryParse(parts[2], NumberStyles.AllowHexSpecifier, CultureInfo.InvariantCulture, out var crc):
                    env.Files.Add(new BackupFile(parts[0], length, crc));
                    break;
                default:
                    throw bad;
            }
        }

        Close();
        if (created is null || source is null || environments.Count == 0)
        {
            throw new BackupManifestException($"{where} lacks its creation time, source or environments");
        }

        return new BackupManifest(created.Value, source, environments);

        void Close()
        {
            if (current is { } env)
            {
                environments.Add(new BackupEnvironment(env.Name, env.Redo, env.End, env.Files));
            }
        }
    }

    /// <summary>An environment's name in a backup: its subdirectory, one plain path segment.</summary>
    public static bool IsName(string name) =>
        name.Length is > 0 and <= 64 && name != "." && name != ".." && name.All(c => char.IsAsciiLetterOrDigit(c) || c is '-' or '_' or '.');

    private static bool IsFilePath(string path, string env)
    {
        var slash = path.IndexOf('/', StringComparison.Ordinal);
        return slash > 0 && path[..slash] == env && IsName(path[(slash + 1)..]);
    }

    /// <summary>Reads and checks the manifest in <paramref name="directory"/>.</summary>
    public static BackupManifest Read(string directory, IFileSystem? fileSystem = null)
    {
        var fs = fileSystem ?? OsFileSystem.Instance;
        var path = Path.Combine(directory, FileName);
        if (!fs.Exists(path))
        {
            throw new BackupManifestException($"{directory} holds no {FileName}: not a backup, or one that failed or is not finished");
        }

        using var file = fs.Open(path, create: false);
        if (file.Length > MaxBytes)
        {
            throw new BackupManifestException($"{path} is {file.Length} bytes, too large for a manifest");
        }

        var bytes = new byte[file.Length];
        file.Read(0, bytes);
        return Decode(bytes, path);
    }

    /// <summary>Writes the manifest into <paramref name="directory"/> atomically and durably.</summary>
    public void Write(string directory, IFileSystem? fileSystem = null)
    {
        var fs = fileSystem ?? OsFileSystem.Instance;
        var temp = Path.Combine(directory, FileName + ".tmp");
        using (var file = fs.Open(temp, create: true))
        {
            file.SetLength(0);
            file.Write(0, Encode());
            file.Flush();
        }

        fs.Rename(temp, Path.Combine(directory, FileName));
        fs.SyncDirectory(directory);
    }
}
