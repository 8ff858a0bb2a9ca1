using System.Globalization;
using System.Text;

namespace OrleansRep.Cli.Stress;

/// <summary>
/// The keys and values <c>orep db stress</c> writes, a pure function of the index so a checker can tell a right value
/// from a torn or misplaced one: key <c>k%010d</c>, value the key repeated and cut to exactly <see cref="ValueLength"/> bytes.
/// </summary>
internal static class StressKeys
{
    public const int ValueLength = 100;

    public static byte[] Key(long index) => Encoding.ASCII.GetBytes("k" + index.ToString("D10", CultureInfo.InvariantCulture));

    public static byte[] Value(long index)
    {
        var key = Key(index);
        var value = new byte[ValueLength];
        for (var i = 0; i < value.Length; i++)
        {
            value[i] = key[i % key.Length];
        }

        return value;
    }
}
