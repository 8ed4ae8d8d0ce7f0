// JavaScript: webpack.config.js for a browser bundle with DefinePlugin
const path = require('path');
const webpack = require('webpack');
const MiniCssExtractPlugin = require('mini-css-extract-plugin');

module.exports = (env, argv) => ({
  mode: argv.mode || 'development',
  entry: { main: './src/index.ts', admin: './src/admin/index.ts' },
  output: {
    path: path.resolve(__dirname, 'dist'),
    filename: '[name].[contenthash:8].js',
    publicPath: '/static/',
    clean: true,
  },
  devtool: argv.mode === 'production' ? 'source-map' : 'eval-cheap-module-source-map',
  resolve: { extensions: ['.ts', '.tsx', '.js'] },
  module: {
    rules: [
      { test: /\.tsx?$/, use: 'ts-loader', exclude: /node_modules/ },
      { test: /\.css$/, use: [MiniCssExtractPlugin.loader, 'css-loader', 'postcss-loader'] },
      { test: /\.(png|svg|woff2?)$/, type: 'asset', parser: { dataUrlCondition: { maxSize: 8 * 1024 } } },
    ],
  },
  plugins: [
    new MiniCssExtractPlugin({ filename: '[name].[contenthash:8].css' }),
    new webpack.DefinePlugin({
      'process.env.API_BASE': JSON.stringify(process.env.API_BASE || '/api'),
      'process.env.MAPBOX_TOKEN': JSON.stringify(process.env.MAPBOX_PUBLIC_TOKEN),
    }),
  ],
  devServer: { port: 8080, historyApiFallback: true, proxy: { '/api': 'http://localhost:3000' } },
});
