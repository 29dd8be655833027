"""The GAM module as the project's reference documents it (shared/gam-reference.md): one definition for every script
that builds it (golden data, weight-file fixtures, the ONNX export)."""
import torch.nn as nn


class GAM(nn.Module):
    def __init__(self, c, out, rate=4, groups=1, channel_sigmoid=False, shuffle=0):
        super().__init__()
        m = int(c / rate)
        self.cs, self.shuffle = channel_sigmoid, shuffle
        self.channel_attention = nn.Sequential(nn.Linear(c, m), nn.ReLU(inplace=True), nn.Linear(m, c))
        self.spatial_attention = nn.Sequential(
            nn.Conv2d(c, m, 7, padding=3, groups=groups), nn.BatchNorm2d(m), nn.ReLU(inplace=True),
            nn.Conv2d(m, out, 7, padding=3, groups=groups), nn.BatchNorm2d(out))

    def forward(self, x):                       # x: [N, C, H, W]
        b, c, h, w = x.shape
        a = self.channel_attention(x.permute(0, 2, 3, 1).view(b, -1, c)).view(b, h, w, c).permute(0, 3, 1, 2)
        if self.cs:
            a = a.sigmoid()
        x = x * a
        s = self.spatial_attention(x).sigmoid()
        if self.shuffle:                        # channel shuffle of the spatial map, G = self.shuffle groups
            n, k, hh, ww = s.shape
            s = s.view(n, self.shuffle, k // self.shuffle, hh, ww).permute(0, 2, 1, 3, 4).reshape(n, k, hh, ww)
        return x * s
