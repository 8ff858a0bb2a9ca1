using System.Globalization;

namespace OrleansRep.Storage;

/// <summary>
/// Options of a storage environment. Every option has a working default. A file <c>orep.conf</c> in the home
/// directory (NAME VALUE lines, <c>#</c> comments, like Berkeley DB's DB_CONFIG) overrides what the code passed, so an
/// operator can tune a site without rebuilding it.
/// </summary>
public sealed record StorageOptions
{
    public const string ConfigFileName = "orep.conf";

    /// <summary>Memory for tree pages kept in the cache. Default 256 MiB. (conf: <c>cache_size</c>)</summary>
    public long CacheSize { get; init; } = 256L << 20;

    /// <summary>Size of a data-file page, a power of two from 4 KiB to 64 KiB. Default 16 KiB, so that a 4 KiB key
    /// still leaves three entries to a page. Fixed when the data file is created. (conf: <c>page_size</c>)</summary>
    public int PageSize { get; init; } = 16 << 10;

    /// <summary>Size at which the log moves to a new segment file. Default 10 MiB (Berkeley DB's). A single record
    /// larger than this gets a segment of its own. (conf: <c>log_file_size</c>)</summary>
    public int LogFileSize { get; init; } = 10 << 20;

    /// <summary>Durability of a commit that does not name one. Default <see cref="Durability.Sync"/>. (conf: <c>durability</c>)</summary>
    public Durability DefaultDurability { get; init; } = Durability.Sync;

    /// <summary>Largest key in bytes. Default 4 KiB. (conf: <c>max_key_size</c>)</summary>
    public int MaxKeySize { get; init; } = 4 << 10;

    /// <summary>Largest value in bytes. Default 16 MiB; large values live on overflow pages. (conf: <c>max_value_size</c>)</summary>
    public int MaxValueSize { get; init; } = 16 << 20;

    /// <summary>A checkpoint runs once this many log bytes were written since the last one; 0 turns it off. Default
    /// 64 MiB, which bounds redo at open to about that much log. (conf: <c>checkpoint_log_bytes</c>)</summary>
    public long CheckpointLogBytes { get; init; } = 64L << 20;

    /// <summary>A checkpoint runs at least this often while there are writes; zero turns it off. Default 60 s.
    /// (conf: <c>checkpoint_interval</c>)</summary>
    public TimeSpan CheckpointInterval { get; init; } = TimeSpan.FromSeconds(60);

    /// <summary>Checkpoints write a record into the log. Off for a replication client, whose log must stay identical to
    /// the master's LSN for LSN from the moment it opens (recovery's own checkpoint included); sets the initial
    /// <see cref="StorageEnvironment.SuppressCheckpointRecords"/>. Default on.</summary>
    public bool CheckpointRecords { get; init; } = true;

    /// <summary>Make the next log file (full size, zero-filled, fsynced) on a background thread while the current one
    /// fills, so switching files costs a rename. Off: the file is made when it is needed, by the thread that flushes
    /// the log, which keeps the order of file operations deterministic (the crash tests count them). Default on.
    /// (conf: <c>log_prepare_ahead</c>)</summary>
    public bool PrepareLogFilesAhead { get; init; } = true;

    /// <summary>Log bytes gathered in memory before they are written in one call. Default 1 MiB. (conf: <c>log_buffer_size</c>)</summary>
    public int LogBufferSize { get; init; } = 1 << 20;

    /// <summary>Reads <paramref name="home"/>/orep.conf, if present, on top of these options.</summary>
    public StorageOptions WithConfigFile(string home)
    {
        var path = Path.Combine(home, ConfigFileName);
        return File.Exists(path) ? Parse(File.ReadAllLines(path), path) : this;
    }

    /// <summary>Applies NAME VALUE lines; an unknown name or a bad value is a <see cref="StorageConfigException"/> naming the line.</summary>
    public StorageOptions Parse(IEnumerable<string> lines, string source = ConfigFileName)
    {
        var o = this;
        var lineNo = 0;
        foreach (var raw in lines)
        {
            lineNo++;
            var line = raw;
            var hash = line.IndexOf('#', StringComparison.Ordinal);
            if (hash >= 0)
            {
                line = line[..hash];
            }

            line = line.Trim();
            if (line.Length == 0)
            {
                continue;
            }

            var parts = line.Split((char[]?)null, 2, StringSplitOptions.RemoveEmptyEntries);
            if (parts.Length != 2)
            {
                throw new StorageConfigException($"{source}:{lineNo}: expected 'NAME VALUE', got '{raw.Trim()}'");
            }

            var (name, value) = (parts[0].ToLowerInvariant(), parts[1].Trim());
            try
            {
                o = name switch
                {
                    "cache_size" => o with { CacheSize = ParseSize(value) },
                    "page_size" => o with { PageSize = checked((int)ParseSize(value)) },
                    "log_file_size" => o with { LogFileSize = checked((int)ParseSize(value)) },
                    "durability" => o with { DefaultDurability = ParseDurability(value) },
                    "max_key_size" => o with { MaxKeySize = checked((int)ParseSize(value)) },
                    "max_value_size" => o with { MaxValueSize = checked((int)ParseSize(value)) },
                    "checkpoint_log_bytes" => o with { CheckpointLogBytes = ParseSize(value) },
                    "checkpoint_interval" => o with { CheckpointInterval = ParseDuration(value) },
                    "log_buffer_size" => o with { LogBufferSize = checked((int)ParseSize(value)) },
                    "log_prepare_ahead" => o with { PrepareLogFilesAhead = ParseSwitch(value) },
                    _ => throw new StorageConfigException($"unknown option '{parts[0]}'"),
                };
            }
            catch (Exception e) when (e is FormatException or OverflowException or StorageConfigException)
            {
                throw new StorageConfigException($"{source}:{lineNo}: {e.Message}");
            }
        }

        o.Validate();
        return o;
    }

    /// <summary>Checks ranges and the relation between page size and key size.</summary>
    public void Validate()
    {
        if (PageSize < 4096 || PageSize > 65536 || (PageSize & (PageSize - 1)) != 0)
        {
            throw new StorageConfigException($"page_size {PageSize} must be a power of two from 4096 to 65536");
        }

        if (MaxKeySize < 1 || MaxKeySize > Tree.PageLayout.MaxInlineEntry(PageSize) - Tree.PageLayout.OverflowRefSize)
        {
            throw new StorageConfigException(
                $"max_key_size {MaxKeySize} must be from 1 to {Tree.PageLayout.MaxInlineEntry(PageSize) - Tree.PageLayout.OverflowRefSize} for page_size {PageSize} (three keys must fit a page)");
        }

        if (MaxValueSize < 0 || MaxValueSize > (1 << 30))
        {
            throw new StorageConfigException($"max_value_size {MaxValueSize} must be from 0 to 1 GiB");
        }

        if (LogFileSize < (64 << 10))
        {
            throw new StorageConfigException($"log_file_size {LogFileSize} must be at least 64 KiB");
        }

        if (LogBufferSize < (4 << 10))
        {
            throw new StorageConfigException($"log_buffer_size {LogBufferSize} must be at least 4 KiB");
        }

        if (CacheSize < (1 << 20))
        {
            throw new StorageConfigException($"cache_size {CacheSize} must be at least 1 MiB");
        }

        if (CheckpointLogBytes < 0 || CheckpointInterval < TimeSpan.Zero)
        {
            throw new StorageConfigException("checkpoint_log_bytes and checkpoint_interval must not be negative");
        }
    }

    /// <summary>"on"/"off" (also "true"/"false", "1"/"0").</summary>
    public static bool ParseSwitch(string text) => text.Trim().ToLowerInvariant() switch
    {
        "on" or "true" or "1" or "yes" => true,
        "off" or "false" or "0" or "no" => false,
        _ => throw new FormatException($"'{text}' is not on or off"),
    };

    /// <summary>"4096", "16K", "10M", "1G" (binary multiples).</summary>
    public static long ParseSize(string text)
    {
        var t = text.Trim().ToUpperInvariant();
        long mult = 1;
        if (t.EndsWith("KB", StringComparison.Ordinal) || t.EndsWith("MB", StringComparison.Ordinal) || t.EndsWith("GB", StringComparison.Ordinal))
        {
            t = t[..^1];
        }

        switch (t.Length > 0 ? t[^1] : ' ')
        {
            case 'K': mult = 1L << 10; t = t[..^1]; break;
            case 'M': mult = 1L << 20; t = t[..^1]; break;
            case 'G': mult = 1L << 30; t = t[..^1]; break;
        }

        if (!long.TryParse(t, NumberStyles.None, CultureInfo.InvariantCulture, out var n))
        {
            throw new FormatException($"'{text}' is not a size (use bytes or a K/M/G suffix)");
        }

        return checked(n * mult);
    }

    /// <summary>"250ms", "30s", "5m", or plain seconds.</summary>
    public static TimeSpan ParseDuration(string text)
    {
        var t = text.Trim().ToLowerInvariant();
        static double Num(string s, string orig) => double.TryParse(s, NumberStyles.Float, CultureInfo.InvariantCulture, out var d) && d >= 0
            ? d
            : throw new FormatException($"'{orig}' is not a duration (use ms, s or m)");
        if (t.EndsWith("ms", StringComparison.Ordinal))
        {
            return TimeSpan.FromMilliseconds(Num(t[..^2], text));
        }

        if (t.EndsWith('s'))
        {
            return TimeSpan.FromSeconds(Num(t[..^1], text));
        }

        if (t.EndsWith('m'))
        {
            return TimeSpan.FromMinutes(Num(t[..^1], text));
        }

        return TimeSpan.FromSeconds(Num(t, text));
    }

    private static Durability ParseDurability(string text) => text.ToLowerInvariant() switch
    {
        "sync" => Durability.Sync,
        "nosync" => Durability.NoSync,
        "buffered" => Durability.Buffered,
        _ => throw new FormatException($"durability '{text}' must be sync, nosync or buffered"),
    };
}
