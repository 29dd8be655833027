using System.Text;

namespace SimAM.Gam.IO;

/// <summary>Quotes text taken from a file in an error message: printable and short, so that the message stays one line.</summary>
internal static class MessageText
{
    /// <summary>Replaces control characters (line breaks among them) with '?' and cuts the text after <paramref name="maxLength"/> characters.</summary>
    /// <param name="text">Text from a file, possibly hostile.</param>
    /// <param name="maxLength">The longest text kept; longer text ends with '…'.</param>
    /// <returns>The printable text.</returns>
    public static string Printable(string text, int maxLength = 32)
    {
        var clean = new StringBuilder();
        foreach (var ch in text)
        {
            if (clean.Length == maxLength)
            {
                return clean.Append('…').ToString();
            }

            clean.Append(char.IsControl(ch) ? '?' : ch);
        }

        return clean.ToString();
    }
}
