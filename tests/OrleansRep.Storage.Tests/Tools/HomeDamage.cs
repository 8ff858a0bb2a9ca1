using System.Buffers.Binary;
using OrleansRep.Storage.Log;
using OrleansRep.Storage.Tree;

namespace OrleansRep.Storage.Tests.Tools;

/// <summary>
/// Seeded damage to an environment home held in memory as file name to bytes. Besides what a bad disk does (bit
/// flips, garbage, truncation, lost files) it makes damage that keeps checksums valid: garbage resealed into a page,
/// a page copied over another, a meta page or log record with nonsense fields and a fresh checksum. A bug can write
/// those, and they are what reach the structural checks behind the checksums.
/// </summary>
internal static class HomeDamage
{
    public const int PageSize = 16 << 10;

    /// <summary>Applies one random kind of damage; returns what it did (for the failure message).</summary>
    public static string Apply(Dictionary<string, byte[]> files, Random random)
    {
        var data = files.GetValueOrDefault("orep.db") ?? [];
        var pages = data.Length / PageSize;
        var logs = files.Keys.Where(n => n.StartsWith("log.", StringComparison.Ordinal) && files[n].Length > 0).Order(StringComparer.Ordinal).ToList();
        var nonEmpty = files.Keys.Where(n => files[n].Length > 0).ToList();
        var kind = random.Next(8);
        if (nonEmpty.Count == 0 || (kind is 1 or 2 or 3 && pages < 3) || (kind is 5 && logs.Count == 0))
        {
            return "nothing of that kind left to damage";
        }

        switch (kind)
        {
            case 0:
            {
                var name = nonEmpty[random.Next(nonEmpty.Count)];
                var offset = random.Next(files[name].Length);
                files[name][offset] ^= (byte)(1 << random.Next(8));
                return $"bit flip in {name} at {offset}";
            }

            case 1:
            {
                var page = random.Next(2, pages);
                var span = data.AsSpan(page * PageSize, PageSize);
                random.NextBytes(span[PageLayout.HeaderSize..]);
                var pageKind = (PageKind)random.Next(2, 5);
                PageLayout.WriteHeader(span, (ulong)page, pageKind, random.Next(0, 400), random.Next(0, PageSize - PageLayout.HeaderSize + 1), (ulong)random.Next(0, pages + 3), pageKind == PageKind.Branch ? random.Next(1, 4) : 0);
                PageLayout.Seal(span);
                return $"garbage {pageKind} page resealed at page {page}";
            }

            case 2:
            {
                var from = random.Next(2, pages);
                var to = random.Next(2, pages);
                data.AsSpan(from * PageSize, PageSize).CopyTo(data.AsSpan(to * PageSize));
                BinaryPrimitives.WriteUInt64LittleEndian(data.AsSpan((to * PageSize) + 8), (ulong)to);
                PageLayout.Seal(data.AsSpan(to * PageSize, PageSize));
                return $"page {from} copied over page {to} and resealed";
            }

            case 3:
            {
                var slot = random.Next(2);
                var body = data.AsSpan((slot * PageSize) + PageLayout.HeaderSize);
                int[] fields = [16, 24, 40, 48, 56, 60, 68];
                var field = fields[random.Next(fields.Length)];
                var value = random.Next(3) switch
                {
                    0 => (ulong)random.Next(0, pages + 5),
                    1 => (ulong)random.NextInt64(),
                    _ => ulong.MaxValue - (ulong)random.Next(10),
                };
                if (field is 56 or 68)
                {
                    BinaryPrimitives.WriteUInt32LittleEndian(body[field..], (uint)value);
                }
                else
                {
                    BinaryPrimitives.WriteUInt64LittleEndian(body[field..], value);
                }

                PageLayout.Seal(data.AsSpan(slot * PageSize, PageSize));
                return $"meta page {slot} field at {field} set to {value} and resealed";
            }

            case 4:
            {
                var name = nonEmpty[random.Next(nonEmpty.Count)];
                var length = random.Next(files[name].Length);
                files[name] = files[name][..length];
                return $"{name} truncated to {length}";
            }

            case 5:
            {
                var name = logs[random.Next(logs.Count)];
                var log = files[name];
                var records = new List<int>();
                for (var pos = LogFormat.FileHeaderSize; pos + LogFormat.RecordHeaderSize <= log.Length;)
                {
                    var length = LogFormat.RecordLength(log.AsSpan(pos));
                    if (length < LogFormat.RecordHeaderSize || pos + length > log.Length)
                    {
                        break;
                    }

                    records.Add(pos);
                    pos += length;
                }

                if (records.Count == 0)
                {
                    return $"no record to garble in {name}";
                }

                var at = records[random.Next(records.Count)];
                var record = log.AsSpan(at, LogFormat.RecordLength(log.AsSpan(at)));
                var start = random.Next(LogFormat.RecordHeaderSize - 20, record.Length);
                random.NextBytes(record[start..Math.Min(record.Length, start + random.Next(1, 64))]);
                BinaryPrimitives.WriteInt32LittleEndian(record, record.Length);
                LogFormat.SetPrevLength(record, LogFormat.PrevLength(record));
                return $"record at {name}:{at} garbled from {start} and resealed";
            }

            case 6:
            {
                var name = nonEmpty[random.Next(nonEmpty.Count)];
                var offset = random.Next(files[name].Length);
                random.NextBytes(files[name].AsSpan(offset, Math.Min(4096, files[name].Length - offset)));
                return $"garbage written into {name} at {offset}";
            }

            default:
            {
                var name = files.Keys.ElementAt(random.Next(files.Count));
                files.Remove(name);
                return $"{name} deleted";
            }
        }
    }
}
